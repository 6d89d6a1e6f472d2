// Package features runs the face-feature network of the virtual brain v2
// (issue 20) in pure Go: a small convolutional network trained with gorgonia
// (package trainer/featnet, command `trainer faces features train`) on the
// training split of the face model's person split, to predict the 40 CelebA
// attributes and the identity of training persons. It is trained on neither
// the VAE-GAN's latent nor PCA's, and reads nothing fitted on them, so its
// features can serve as an independent model of higher visual cortex (deep
// network features: Yamins et al. 2014; Güçlü & van Gerven 2015; Grossman et
// al. 2019 for face-selective regions).
//
// Architecture (Config): a 64×64 RGB image in [0,1] (CHW, as package celeba
// loads it) goes through blocks of 3×3 convolutions, the first of each block
// with stride 2 (64 → 32 → 16 → 8 → 4), each followed by batch norm and ELU;
// the last block's map is averaged over space, then a linear layer with batch
// norm and ELU gives the embedding (the high level); linear heads give the
// attribute logits and the identity logits.
//
// Net.Forward returns every block's map, the mid level (Config.MidBlock's map
// averaged down to MidPool×MidPool) and the embedding. Batch norm runs in
// inference mode and is folded into the preceding layer when the weights are
// loaded. The package imports neither gorgonia nor cgo, so the simulator and the
// browser can use it.
package features
