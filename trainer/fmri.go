package main

import "context"

// fmriCommands lists the fMRI subcommands (simulate, fit, eval, report).
func fmriCommands() map[string]func(context.Context, []string) error {
	return map[string]func(context.Context, []string) error{
		"simulate": fmriSimulate,
		"fit":      fmriFit,
		"eval":     fmriEval,
		"report":   fmriReport,
		"lab":      fmriLab,
		// scale-report gathers scripts/scale.sh's measurements.
		"scale-report": fmriScaleReport,
		// seeds-report gathers scripts/seeds.sh's evaluations.
		"seeds-report": fmriSeedsReport,
	}
}
