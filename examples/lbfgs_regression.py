"""Least-squares regression fitted with L-BFGS, written as ordinary PyTorch code on ember.

    python examples/lbfgs_regression.py [--steps 20]

Fits a cubic polynomial with a small feature network to noisy samples of
sin(x); each step is one L-BFGS step (several function evaluations with a
strong-Wolfe line search), so the optimizer is given a closure.
"""
import argparse
import math

import ember as torch
import ember.nn as nn
import ember.optim as optim


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    x = torch.linspace(-math.pi, math.pi, 200).unsqueeze(1)
    y = torch.sin(x) + 0.05 * torch.randn_like(x)
    features = torch.cat([x, x ** 2, x ** 3], dim=1)  # a cubic in x

    model = nn.Linear(3, 1)
    optimizer = optim.LBFGS(model.parameters(), lr=1, max_iter=5, history_size=10,
                                  line_search_fn="strong_wolfe")
    loss_fn = nn.MSELoss()

    def closure():
        optimizer.zero_grad()
        loss = loss_fn(model(features), y)
        loss.backward()
        return loss

    for step in range(1, args.steps + 1):
        loss = optimizer.step(closure)
        print(f"step {step} loss {loss.item():.6f}")

    w = model.weight.detach().flatten().tolist()
    b = model.bias.item()
    print(f"fit: y = {b:.4f} + {w[0]:.4f} x + {w[1]:.4f} x^2 + {w[2]:.4f} x^3")


if __name__ == "__main__":
    main()
