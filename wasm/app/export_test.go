package app

// Internals the external tests check (this file is compiled for tests only).

// Corr is the correlation of decoded face i's latent with true face j's,
// valid when Ready: the pairwise game's decoder answers from it.
func (a *App) Corr(i, j int) float64 { return a.faces.corr[i*a.N()+j] }

// Subset is the view's fewer-trials subset, −1 for all trials.
func (a *App) Subset() int { return a.subset }
