package main

import (
	"context"
	"errors"
)

func facesEval(ctx context.Context, args []string) error {
	return errors.New("faces eval: not built yet")
}
