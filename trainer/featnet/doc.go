// Package featnet trains the face-feature network of the virtual brain v2
// (issue 20) with gorgonia; package face/features describes the network and
// runs it in pure Go.
//
// Objective (multi-task, per image, averaged over a batch):
//
//	Σ_a BCE(attribute logit a, CelebA attribute a)   over the 40 attributes
//	+ w_id · CE(softmax(identity logits), person)     for images of persons with a class
//
// Identity classes are the persons with at least MinIDImages images in the
// training split of the face model's person split; one image of each is held
// out of training to measure identity accuracy. Only the training split is
// read for training; nothing of the VAE-GAN or of PCA is.
//
// Training is Adam (trainer/vaegan's, so that its moments are checkpointed)
// with decoupled weight decay on the weights, a linear warm-up then cosine
// decay of the learning rate, and random horizontal flips. Batch norm uses
// trainer/ops's fused BatchNormELU with (1, C, 1, 1) parameters and running
// statistics kept with the weights; convolutions are trainer/ops's Conv2d.
// Data order comes from (seed, epoch) and flips from (seed, step), so a run
// resumed from a checkpoint takes the same steps as an uninterrupted one
// (TestResumeIsExact). The loss ops (loss.go) are gorgonia ops written here:
// gorgonia 0.9.18's LogSumExp is wrong (it adds the maximum before the log).
package featnet
