#!/usr/bin/python3
"""PyTorch reference for BENCHMARKS.md: the same VAE-GAN training step as
trainer/vaegan (same layers, same two-phase step, same losses, Adam), timed in
images per second. Reference only: the project never depends on PyTorch.

usage: python3 vaegan_step.py --preset default --batch 64 --steps 5 [--threads 2]
"""
import argparse, json, time
import torch
import torch.nn as nn
import torch.nn.functional as F

PRESETS = {
    "default": dict(size=64, latent=1024, enc=[32, 64, 128, 256], ek=3, hidden=1024,
                    gen=[256, 128, 64, 32], gk=3, disc=[32, 64, 128, 256], dk=3, feat=3),
    "paper": dict(size=128, latent=1024, enc=[192, 256, 384, 512, 768], ek=3, hidden=1024,
                  gen=[1024, 512, 384, 256, 192], gk=3, disc=[64, 128, 256, 512, 512], dk=3, feat=3),
}


class Enc(nn.Module):
    def __init__(s, c):
        super().__init__()
        layers, cin = [], 3
        for ch in c["enc"]:
            layers += [nn.Conv2d(cin, ch, c["ek"], 2, (c["ek"] - 1) // 2, bias=False), nn.BatchNorm2d(ch, eps=1e-5, momentum=0.1), nn.ELU()]
            cin = ch
        s.convs = nn.Sequential(*layers)
        side = c["size"] >> len(c["enc"])
        s.fc = nn.Linear(cin * side * side, c["hidden"])
        s.mu = nn.Linear(c["hidden"], c["latent"])
        s.ls = nn.Linear(c["hidden"], c["latent"])

    def forward(s, x):
        h = s.fc(s.convs(x).flatten(1))
        return torch.tanh(s.mu(h)), 0.5 * torch.tanh(s.ls(h))


class Gen(nn.Module):
    def __init__(s, c):
        super().__init__()
        s.c = c
        s.side = c["size"] >> len(c["gen"])
        s.fc = nn.Linear(c["latent"], c["gen"][0] * s.side * s.side)
        k, p = c["gk"], (c["gk"] - 1) // 2
        op = 2 * p + 2 - k
        layers = []
        for i, cin in enumerate(c["gen"]):
            last = i + 1 == len(c["gen"])
            cout = 3 if last else c["gen"][i + 1]
            layers.append(nn.ConvTranspose2d(cin, cout, k, 2, p, op, bias=last))
            layers += [nn.Sigmoid()] if last else [nn.BatchNorm2d(cout, eps=1e-5, momentum=0.1), nn.ELU()]
        s.deconvs = nn.Sequential(*layers)

    def forward(s, z):
        h = F.elu(s.fc(z)).view(-1, s.c["gen"][0], s.side, s.side)
        return s.deconvs(h)


class Disc(nn.Module):
    def __init__(s, c):
        super().__init__()
        s.blocks, cin = nn.ModuleList(), 3
        for i, ch in enumerate(c["disc"]):
            b = [nn.Conv2d(cin, ch, c["dk"], 2, (c["dk"] - 1) // 2, bias=(i == 0))]
            if i > 0:
                b.append(nn.BatchNorm2d(ch, eps=1e-5, momentum=0.1))
            b.append(nn.ELU())
            s.blocks.append(nn.Sequential(*b))
            cin = ch
        side = c["size"] >> len(c["disc"])
        s.fc = nn.Linear(cin * side * side, 1)
        s.feat = c["feat"]

    def forward(s, x):
        f = None
        for i, b in enumerate(s.blocks):
            x = b(x)
            if i + 1 == s.feat:
                f = x
        return s.fc(x.flatten(1)), f


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="default")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--no-prior", action="store_true", help="leave prior samples out of the step (the trainer's default)")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    c = PRESETS[a.preset]
    E, G, D = Enc(c), Gen(c), Disc(c)
    optEG = torch.optim.Adam(list(E.parameters()) + list(G.parameters()), lr=2e-4, betas=(0.5, 0.999))
    optD = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    n, L = a.batch, c["latent"]
    x = torch.rand(n, 3, c["size"], c["size"])
    w = dict(kl=1, feat=0.5, pix=50, gan=10)

    def step():
        mu, ls = E(x)
        z = mu + torch.randn_like(mu) * torch.exp(ls)
        gen = G(z if a.no_prior else torch.cat([z, torch.randn(n, L)]))
        logit, feat = D(torch.cat([x, gen]))
        kl = (0.5 * (mu ** 2 + torch.exp(2 * ls) - 1) - ls).sum() / n
        featl = ((feat[n:2 * n] - feat[:n]) ** 2).sum() / n
        pix = ((gen[:n] - x) ** 2).sum() / n
        gang = F.softplus(-logit[n:]).sum() / n
        loss = w["kl"] * kl + w["feat"] * featl + w["pix"] * pix + w["gan"] * gang
        optEG.zero_grad()
        loss.backward()
        optEG.step()
        dl, _ = D(torch.cat([x, gen.detach()]))
        ld = (F.softplus(-dl[:n]).sum() + F.softplus(dl[n:]).sum()) / n
        optD.zero_grad()
        ld.backward()
        optD.step()

    step()  # warm-up
    t = time.perf_counter()
    for _ in range(a.steps):
        step()
    dt = (time.perf_counter() - t) / a.steps
    print(json.dumps(dict(preset=a.preset, no_prior=a.no_prior, batch=n, threads=torch.get_num_threads(), step_s=dt, img_per_s=n / dt,
                          torch=torch.__version__)))


if __name__ == "__main__":
    main()
