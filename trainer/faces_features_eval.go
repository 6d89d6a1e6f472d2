package main

import (
	"context"
	"errors"
)

func featuresEval(ctx context.Context, args []string) error { return errors.New("todo") }
