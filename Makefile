# fmriface — see README.md. Every target works on a fresh Debian machine after
# `apt-get install libopenblas-dev` (and chromium for the browser tests).

GO      ?= go
FACES   ?= ../shared/faces/celeba
DESIGN  ?= ../shared/ds001761-design
GOROOT_WASM := $(shell $(GO) env GOROOT)/lib/wasm

.PHONY: all test test-go test-wasm fuzz vet train train-resume eval bench bench-lab reproduce reproduce-v1 reproduce-haxby seeds scale clean

all: test

## test: vet, unit tests (native and WebAssembly under Node), short fuzz runs, BIDS validator
test: vet test-go test-wasm fuzz test-e2e test-bids

# The WebAssembly packages, derived rather than listed: every package of the
# module that the browser app (./wasm) or its tests build on, plus infer/fold,
# which promises to build for WebAssembly though only the exporter imports it,
# and neuro/lab, whose golden run must be bit-identical natively and under Node.
WASM_PKGS = $(or $(shell GOOS=js GOARCH=wasm $(GO) list -deps -test ./wasm/... | grep -E '^fmriface/[^ ]+$$' | grep -v '\.test$$'),\
	$(error cannot list the WebAssembly packages: GOOS=js GOARCH=wasm $(GO) list -deps -test ./wasm/... failed)) fmriface/infer/fold fmriface/neuro/lab

vet:
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet $(WASM_PKGS)

test-go:
	$(GO) test -count=1 ./...

test-wasm:
	PATH="$$PATH:$(GOROOT_WASM)" GOOS=js GOARCH=wasm $(GO) test -count=1 $(WASM_PKGS)

fuzz:
	./scripts/fuzz-short.sh

# The official BIDS validator (npm bids-validator 1.15.0, pinned by its
# package-lock) on a small simulated dataset: neuro/sim TestBIDSValidator,
# which test-go skips until this installs the validator (docs/real-data.md).
BIDS_VALIDATOR_DIR = neuro/sim/testdata/bids-validator
.PHONY: test-bids

$(BIDS_VALIDATOR_DIR)/node_modules: $(BIDS_VALIDATOR_DIR)/package.json $(BIDS_VALIDATOR_DIR)/package-lock.json
	cd $(BIDS_VALIDATOR_DIR) && npm ci --no-audit --no-fund
	@touch $@

test-bids: $(BIDS_VALIDATOR_DIR)/node_modules
	$(GO) test -count=1 -v -run '^TestBIDSValidator$$' ./neuro/sim/

## train: the default VAE-GAN (about 35 min on 2 cores); Ctrl-C saves, train-resume continues
train:
	$(GO) run ./trainer faces train --faces $(FACES) --out runs/default

train-resume:
	$(GO) run ./trainer faces train --faces $(FACES) --out runs/default --resume

## eval: evaluate the shipped model against PCA (JSON + PNG grids)
eval:
	$(GO) run ./trainer faces eval --faces $(FACES) --model models/default/model.npz --out models/default

## reproduce: the fMRI analysis on four virtual subjects (simulate, fit, eval,
## report → reports/fmri, with results.json), with the brain v2 and its noise
## levels calibrated on simulation seeds 2, 4, 5 and 6 (neuro/sim; NOISE=a,b,c,d overrides
## them, BRAIN=v1 picks the older brain). The report shows the brain v1 beside
## it when reports/fmri/brain-v1/eval.json exists (make reproduce-v1).
NOISE ?=
NOISE_FLAG = $(if $(NOISE), --noise $(NOISE))
BRAIN ?=
BRAIN_FLAG = $(if $(BRAIN), --brain $(BRAIN))
V1_EVAL = reports/fmri/brain-v1/eval.json
reproduce: reproduce-haxby
	$(GO) run ./trainer fmri simulate --faces $(FACES) --design $(DESIGN)$(BRAIN_FLAG)$(NOISE_FLAG) --overwrite
	$(GO) run ./trainer fmri fit --faces $(FACES)
	$(GO) run ./trainer fmri eval
	$(GO) run ./trainer fmri report$(if $(wildcard $(V1_EVAL)), --compare $(V1_EVAL))

## reproduce-v1: the brain v1 on the same seed, fitted as the calibration
## fits (OLS only) → reports/fmri/brain-v1 (README, results.json, eval.json)
reproduce-v1:
	$(GO) run ./trainer fmri simulate --faces $(FACES) --design $(DESIGN) --brain v1 --out out/virtual-v1 --overwrite
	$(GO) run ./trainer fmri fit --faces $(FACES) --data out/virtual-v1 --out out/fmri-v1 --ridge=false --curve "" --subsets 0
	$(GO) run ./trainer fmri eval --dir out/fmri-v1 --out $(V1_EVAL)
	$(GO) run ./trainer fmri report --dir out/fmri-v1 --eval $(V1_EVAL) --out reports/fmri/brain-v1 --intro /dev/null --outro /dev/null --face-grids=false

## seeds: the brain v2 on simulation seeds 1–8 (simulate, fit both spaces, eval;
## resumable) → reports/fmri/seeds: each group mean's spread over seeds against
## the paper's bars (issue 20); about 3 minutes a seed here
SEEDS ?= 1,2,3,4,5,6,7,8
seeds:
	GO=$(GO) FACES=$(FACES) DESIGN=$(DESIGN) scripts/seeds.sh $(SEEDS) out/seeds

## reproduce-haxby: category decoding on real fMRI (Haxby et al. 2001, one slice;
## data CC BY-SA 3.0, read in place) → reports/haxby (about 20 s)
HAXBY ?= ../shared/real/haxby2001
reproduce-haxby:
	$(GO) run ./trainer real haxby --data $(HAXBY) --out reports/haxby --permutations 1000 --seed 1

## scale: the pipeline on one virtual subject at the real study's scale (80 × 80 × 41
## grid, 100 runs; issue 23): each step timed (seconds, peak memory, load) →
## reports/scale/scale.json (about 1–2 hours on 2 cores; scripts/scale.sh)
scale:
	GO=$(GO) ./scripts/scale.sh

## bench: Go benchmarks; see BENCHMARKS.md for the side-by-side reference runs
bench:
	$(GO) test -run '^$$' -bench . -benchtime 3x ./trainer/vaegan/ ./trainer/ops/ ./infer/nn/ ./infer/gemm/ ./neuro/glm/ ./bundle/ ./bundle/quant/

## bench-lab: a Lab run at the default and the largest settings, natively and in WebAssembly under Node (BENCHMARKS.md)
bench-lab:
	$(GO) test -run '^$$' -bench Run -benchtime 1x ./neuro/lab/
	PATH="$$PATH:$(GOROOT_WASM)" GOOS=js GOARCH=wasm $(GO) test -run '^$$' -bench Run -benchtime 1x ./neuro/lab/

include site/site.mk

clean:
	rm -rf out site/dist
