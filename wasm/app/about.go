package app

// The about panel: the study, the data and their terms. The page has the
// full text (and the view prints it); the app speaks a summary.

// aboutShort is the spoken summary of the about panel.
func (a *App) aboutShort() string {
	return "VanRullen and Reddy (2019) decoded faces from fMRI through a VAE-GAN latent space. " +
		"The subjects here are virtual: simulated on the real protocol by a model of the visual hierarchy that never sees the VAE-GAN or PCA spaces, not real brain data. " +
		"Which space decodes them better is an outcome: here, as in the paper, the VAE-GAN, on average in every region. " +
		"Panel 8, real brain, shows real fMRI from Haxby et al. (2001), one person, one slice (CC BY-SA 3.0): the object category decoded from each held-out run. " +
		"C sets each face decoded through PCA, the paper's baseline, beside the VAE-GAN's; panel 9, results, charts the subject's measures against the paper's. " +
		"The full text, citation and CelebA terms are in the About section of the page."
}
