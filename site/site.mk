# site/site.mk: the browser app and its static site (issue 6). Included by the
# top-level Makefile, which defines GO.
#
#   make site          build the site into $(SITE_OUT) from the exporter's data in $(SITE_DATA)
#   make site-fixture  write a TEST FIXTURE data folder (random untrained model, synthetic
#                      subjects; NOT results) to out/site-fixture
#   make site-data     simulate, fit and export the real site data into $(SITE_DATA), in place
#   make demo          make site and serve it on http://$(SITE_ADDR)/ from the committed site data
#                      in $(SITE_DATA) (make site-data first only where it is missing)
#   make demo-fixture  serve the app on the TEST FIXTURE at once (no real data)
#   make test-e2e      build the site from the fixture and drive it with headless Chromium
#   make bench-site    decode benchmark of the default-size model in Chromium and Node
#   make bench-decode  decode benchmark of the real site data ($(SITE_DATA), $(SITE_OUT)):
#                      1,000 faces in headless Chromium and 1,000 under Node
#   make bench-coldload  cold load to the first face (settled and fresh browser windows), a
#                      second visit, and the frame rate of the site in $(SITE_OUT), real data
#                      (make site first)

GO        ?= go
# The site data are committed in site/data (issue 21), so that a fresh clone
# serves the demo without ../shared; make site-data rewrites them in place.
SITE_DATA ?= site/data
# Brotli quality of make site's .br copies: 11 for what is published and
# measured; make demo, whose copies go to localhost, uses DEMO_BROTLI, which
# compresses the data of a fresh clone within its time (docs: README).
SITE_BROTLI ?= 11
DEMO_BROTLI ?= 5
SITE_OUT  ?= site/dist
SITE_ADDR ?= 127.0.0.1:8080
SITE_WASM ?= out/site/app.wasm
CHROMIUM  ?= /usr/bin/chromium
# Sub-makes read the same top-level makefile that included this one.
SITE_MAKE = $(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST))

.PHONY: site site-wasm site-data site-fixture demo demo-fixture test-e2e bench-site bench-decode bench-lab-page bench-coldload

site-wasm:
	@mkdir -p $(dir $(SITE_WASM))
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags='-s -w' -o $(SITE_WASM) ./wasm

site:
	@test -f $(SITE_DATA)/index.json || { \
	  echo "make site: no site data in $(SITE_DATA) (index.json missing)."; \
	  echo "  Real data: a clone has them committed in site/data; make site-data (needs ../shared) rebuilds them."; \
	  echo "  To try the app without it: make site-fixture && make site SITE_DATA=out/site-fixture"; \
	  echo "  (a TEST FIXTURE: random untrained model, synthetic subjects; the page says so)."; \
	  exit 1; }
	$(SITE_MAKE) site-wasm
	$(GO) run ./site/build -wasm $(SITE_WASM) -data $(SITE_DATA) -out $(SITE_OUT) -brotli $(SITE_BROTLI)

site-fixture:
	$(GO) run ./site/fakesite -pca -out out/site-fixture

# site-data: the real site data from the shipped face model (models/default):
# simulate the four virtual subjects, fit their decoders, export into
# $(SITE_DATA), replacing what was there: without the PCA baseline, as the
# repository commits them (with it the data take about 49 MB as git stores
# them, over the 30 MB budget that exporter/committed_test.go checks). For
# the comparison with PCA, export elsewhere and serve that:
#   make site-data SITE_PCA=1 SITE_DATA=out/site-data-pca && make demo SITE_DATA=out/site-data-pca
# An existing fit in out/fmri (make reproduce fits both spaces) is reused,
# and so are the Lab's data (trainer fmri lab: the simulator's drive of every
# subject's voxels for 8,020 faces, about 2 minutes with the feature cache).
SITE_PCA ?= 0
ifeq ($(SITE_PCA),1)
SITE_MODELS := vaegan,pca
SITE_FIT_OK := test -f out/fmri/sub-04/decoders.npz && test -f out/fmri/sub-04/decoders-pca.npz && test -f out/fmri/pca.npz
else
SITE_MODELS := vaegan
SITE_FIT_OK := test -f out/fmri/sub-04/decoders.npz
endif
site-data:
	@if $(SITE_FIT_OK); then echo "site-data: reusing the fMRI fit in out/fmri"; else \
	  $(GO) run ./trainer fmri simulate --faces $(FACES) --design $(DESIGN)$(NOISE_FLAG) --overwrite && \
	  $(GO) run ./trainer fmri fit --faces $(FACES) --models $(SITE_MODELS) --ridge=false --curve ""; fi
	@if test -f out/fmri/lab.npz; then echo "site-data: reusing the Lab's data in out/fmri/lab.npz"; else \
	  $(GO) run ./trainer fmri lab --faces $(FACES) --design $(DESIGN); fi
	$(GO) run ./exporter --out $(SITE_DATA) --pca=$(if $(filter 1,$(SITE_PCA)),true,false)

# demo serves the committed site data; it builds them only where they are
# missing (which needs the faces).
demo:
	@test -f $(SITE_DATA)/index.json || { test -d $(FACES) || { \
	  echo "make demo: no site data in $(SITE_DATA) (index.json missing), and no faces in $(FACES) to build them."; \
	  echo "  A clone of the repository has them in site/data; to try the app without them: make demo-fixture."; \
	  exit 1; }; $(SITE_MAKE) site-data; }
	$(SITE_MAKE) site SITE_BROTLI=$(DEMO_BROTLI)
	$(GO) run ./site/serve -addr $(SITE_ADDR) -dir $(SITE_OUT)

# demo-fixture serves the app at once on a TEST FIXTURE (random untrained
# model, synthetic subjects; the page says so): for working on the app.
demo-fixture:
	$(SITE_MAKE) site-fixture
	$(SITE_MAKE) site SITE_DATA=out/site-fixture SITE_OUT=out/site-fixture-dist
	$(GO) run ./site/serve -addr $(SITE_ADDR) -dir out/site-fixture-dist

e2e/node_modules: e2e/package.json e2e/package-lock.json
	cd e2e && npm ci --no-audit --no-fund
	@touch $@

test-e2e: e2e/node_modules
	$(GO) run ./site/fakesite -pca -out out/e2e/data
	$(SITE_MAKE) site SITE_DATA=out/e2e/data SITE_OUT=out/e2e/dist
	$(GO) build -o out/e2e/serve ./site/serve
	node e2e/run.mjs --serve out/e2e/serve --dir out/e2e/dist --out out/e2e --chromium $(CHROMIUM)

bench-site: e2e/node_modules
	$(GO) run ./site/fakesite -preset default -voxels 5000 -quant q8 -out out/bench-site/data
	$(SITE_MAKE) site SITE_DATA=out/bench-site/data SITE_OUT=out/bench-site/dist
	$(GO) build -o out/bench-site/serve ./site/serve
	node e2e/run.mjs --bench 1000 --serve out/bench-site/serve --dir out/bench-site/dist --out out/bench-site --chromium $(CHROMIUM)
	PATH="$$PATH:$$($(GO) env GOROOT)/lib/wasm" GOOS=js GOARCH=wasm $(GO) test -run '^$$' -bench DecodeFace -benchmem ./wasm/app/

# The Node half runs the page's benchmark loop on the same files
# (wasm/app BenchmarkDecodeSiteData): 1,000 single decodes, and 50 batches of 20.
bench-decode: e2e/node_modules
	@test -f $(SITE_OUT)/app.json || { echo "make bench-decode: no site in $(SITE_OUT); run make site first"; exit 1; }
	$(GO) build -o out/e2e/serve ./site/serve
	node e2e/run.mjs --bench 1000 --serve out/e2e/serve --dir $(SITE_OUT) --out out/bench-real --chromium $(CHROMIUM)
	PATH="$$PATH:$$($(GO) env GOROOT)/lib/wasm" FMRIFACE_SITE_DATA="$(abspath $(SITE_DATA))" GOOS=js GOARCH=wasm \
	  $(GO) test -run '^$$' -bench 'DecodeSiteData/single' -benchtime 1000x ./wasm/app/
	PATH="$$PATH:$$($(GO) env GOROOT)/lib/wasm" FMRIFACE_SITE_DATA="$(abspath $(SITE_DATA))" GOOS=js GOARCH=wasm \
	  $(GO) test -run '^$$' -bench 'DecodeSiteData/batch' -benchtime 50x ./wasm/app/

# bench-lab-page: the Lab in headless Chromium on $(SITE_DATA): the default
# run, the largest, then 20 runs in a row (times, frames, Go heap; BENCHMARKS.md).
bench-lab-page: e2e/node_modules
	$(SITE_MAKE) site
	$(GO) build -o out/e2e/serve ./site/serve
	node e2e/run.mjs --lab-bench 20 --serve out/e2e/serve --dir $(SITE_OUT) --out out/bench-lab --chromium $(CHROMIUM)

bench-coldload: e2e/node_modules
	@test -f $(SITE_OUT)/app.json || { echo "make bench-coldload: no site in $(SITE_OUT); run make site first"; exit 1; }
	$(GO) build -o out/e2e/serve ./site/serve
	REPS=4 node e2e/coldload.mjs --serve out/e2e/serve --chromium $(CHROMIUM) $(SITE_OUT)
	FRESH=1 REPS=2 node e2e/coldload.mjs --serve out/e2e/serve --chromium $(CHROMIUM) $(SITE_OUT)
	REVISIT=1 REPS=2 node e2e/coldload.mjs --serve out/e2e/serve --chromium $(CHROMIUM) $(SITE_OUT)
	REPS=1 node e2e/frames.mjs --serve out/e2e/serve --chromium $(CHROMIUM) $(SITE_OUT)
