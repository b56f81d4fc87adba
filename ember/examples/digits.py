"""The main job: train a small CNN on handwritten digits with ember.

    python -m ember.examples.digits [--epochs N] [--batch-size B] [--lr LR] [--seed S]
                                    [--out DIR] [--data MNIST_FOLDER]

By default it trains on the UCI optical handwritten digits that ship with
ember (8x8 images; E. Alpaydin and C. Kaynak, UCI Machine Learning Repository,
CC BY 4.0), holding out a deterministic stratified 20% for testing. With
``--data`` it trains on a folder of MNIST-format IDX files instead. It shows a
tqdm progress bar with the loss and accuracy, evaluates on the held-out split,
saves a checkpoint (``model.pt``: the state_dict in torch's file format, plus
``meta.json``), draws ``curves.png`` when matplotlib is installed and prints
the final test accuracy. The same command and seed give the same accuracy and
the same checkpoint bytes.
"""
from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import sys
import time

import numpy as np

DEFAULT_EPOCHS = 12

__all__ = ["main", "build_model", "parse_args", "save_checkpoint", "load_checkpoint"]


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m ember.examples.digits",
                                description="Train a small CNN on handwritten digits with ember.")
    p.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS,
                   help=f"passes over the training data (default {DEFAULT_EPOCHS})")
    p.add_argument("--batch-size", type=int, default=32, help="mini-batch size (default 32)")
    p.add_argument("--lr", type=float, default=3e-3,
                   help="initial Adam learning rate, decayed by a cosine (default 3e-3)")
    p.add_argument("--seed", type=int, default=0, help="seed for initialisation, shuffling, split")
    p.add_argument("--out", default="runs/digits", help="folder for the checkpoint and plot")
    p.add_argument("--data", default=None,
                   help="a folder of MNIST-format IDX files (train-images-idx3-ubyte[.gz], ...) "
                        "to use instead of the embedded digits")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (for logs)")
    # for comparing with PyTorch itself: the same program with `import torch`
    p.add_argument("--framework", default="ember", choices=["ember", "torch"], help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    for name in ("epochs", "batch_size"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be a positive integer, got {getattr(args, name)}")
    if not args.lr > 0:
        p.error(f"--lr must be positive, got {args.lr}")
    return args


def load_data(args):
    """(train_x, train_y, test_x, test_y) as standardised float32 (N, 1, H, W) images and int64 labels."""
    from ember.datasets import digits_split, load_mnist_folder
    if args.data is None:
        xs = [t.numpy() for t in digits_split(test_fraction=0.2, seed=0)]
        scale = 16.0
    else:
        xs = list(load_mnist_folder(args.data, as_numpy=True))
        if xs[2] is None:  # no t10k files: hold out the last 20% of a fixed permutation
            order = np.random.default_rng(0).permutation(len(xs[0]))
            cut = len(order) - max(1, len(order) // 5)
            xs = [xs[0][order[:cut]], xs[1][order[:cut]], xs[0][order[cut:]], xs[1][order[cut:]]]
        scale = 255.0 if xs[0].dtype == np.uint8 else max(float(np.abs(xs[0]).max()), 1.0)
    train_x, train_y, test_x, test_y = xs
    # scale to [0, 1], then standardise with the training set's mean and std
    train_x = train_x.astype(np.float32) / np.float32(scale)
    test_x = test_x.astype(np.float32) / np.float32(scale)
    mean, std = np.float32(train_x.mean()), np.float32(max(float(train_x.std()), 1e-6))
    prep = lambda x: ((x - mean) / std)[:, None, :, :]
    return prep(train_x), train_y.astype(np.int64), prep(test_x), test_y.astype(np.int64)


def build_model(torch, height: int, width: int, num_classes: int = 10):
    """conv(1->16) relu conv(16->32) relu maxpool(2) flatten dropout linear(->64) relu linear(->classes)."""
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.25),
        nn.Linear(32 * (height // 2) * (width // 2), 64), nn.ReLU(),
        nn.Linear(64, num_classes),
    )


def evaluate(torch, model, x, y, batch_size: int = 512):
    """(mean loss, accuracy) of ``model`` on tensors x, y, in eval mode without gradients."""
    model.eval()
    total_loss, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(x), batch_size):
            logits = model(x[i:i + batch_size])
            target = y[i:i + batch_size]
            total_loss += torch.nn.functional.cross_entropy(logits, target, reduction="sum").item()
            correct += int((logits.argmax(1) == target).sum().item())
    model.train()
    return total_loss / len(x), correct / len(x)


def save_checkpoint(folder, state_dict, meta, save=None) -> str:
    """Write ``model.pt`` (the state_dict, with ``save``: ember.save by default, a
    file torch.load also reads) and ``meta.json``; return the checkpoint's path.
    The save is atomic, and the same weights give the same bytes."""
    if save is None:
        from ember import save
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "model.pt")
    save(state_dict, path)
    with open(os.path.join(folder, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2, sort_keys=True)
        f.write("\n")
    return path


def load_checkpoint(path) -> dict:
    """The state_dict saved by ``save_checkpoint`` (ember tensors by key)."""
    from ember import load
    return load(path)


def plot_curves(history, path) -> bool:
    """Save loss and accuracy curves to ``path``; False (and a note) when matplotlib is missing."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("note: matplotlib is not installed; skipping the plot (pip install matplotlib)")
        return False
    epochs = range(1, len(history["train_loss"]) + 1)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.5))
    ax1.plot(epochs, history["train_loss"], label="train")
    ax1.plot(epochs, history["test_loss"], label="test")
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("cross-entropy loss")
    ax1.legend()
    ax2.plot(epochs, history["train_acc"], label="train")
    ax2.plot(epochs, history["test_acc"], label="test")
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("accuracy")
    ax2.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)
    return True


def _progress(total, disable):
    from tqdm import tqdm
    return tqdm(total=total, disable=disable, unit="batch", dynamic_ncols=True, leave=True)


def main(argv=None) -> dict:
    """Run the job; return a dict with 'test_accuracy', 'checkpoint' and 'history'."""
    args = parse_args(argv)
    torch = importlib.import_module(args.framework)
    data = importlib.import_module(args.framework + ".utils.data")
    optim = importlib.import_module(args.framework + ".optim")
    F = torch.nn.functional

    train_x, train_y, test_x, test_y = (torch.from_numpy(a) for a in load_data(args))
    num_classes = int(max(train_y.max().item(), test_y.max().item())) + 1
    torch.manual_seed(args.seed)
    model = build_model(torch, train_x.shape[2], train_x.shape[3], max(num_classes, 10))
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    loader = data.DataLoader(data.TensorDataset(train_x, train_y), batch_size=args.batch_size,
                             shuffle=True, generator=torch.Generator().manual_seed(args.seed))
    source = "embedded UCI digits" if args.data is None else args.data
    print(f"training on {source}: {len(train_x)} train / {len(test_x)} test images of "
          f"{tuple(train_x.shape[2:])}, {sum(p.numel() for p in model.parameters())} parameters")

    history = {"train_loss": [], "train_acc": [], "test_loss": [], "test_acc": []}
    start = time.perf_counter()
    bar = _progress(args.epochs * len(loader), disable=args.no_progress)
    for epoch in range(1, args.epochs + 1):
        # cosine decay of the learning rate, one value per epoch, down to 5% of --lr
        for group in optimizer.param_groups:
            group["lr"] = args.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * (epoch - 1) / args.epochs)))
        seen, loss_sum, correct = 0, 0.0, 0
        for xb, yb in loader:
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            seen += len(yb)
            loss_sum += loss.item() * len(yb)
            correct += int((logits.argmax(1) == yb).sum().item())
            bar.set_description(f"epoch {epoch}/{args.epochs}")
            bar.set_postfix(loss=f"{loss_sum / seen:.4f}", acc=f"{correct / seen:.4f}", refresh=False)
            bar.update(1)
        test_loss, test_acc = evaluate(torch, model, test_x, test_y)
        history["train_loss"].append(loss_sum / seen)
        history["train_acc"].append(correct / seen)
        history["test_loss"].append(test_loss)
        history["test_acc"].append(test_acc)
        bar.write(f"epoch {epoch}: train loss {loss_sum / seen:.4f} acc {correct / seen:.4f} | "
                  f"test loss {test_loss:.4f} acc {test_acc:.4f}")
    bar.close()
    elapsed = time.perf_counter() - start

    meta = {"framework": args.framework, "data": source, "epochs": args.epochs,
            "batch_size": args.batch_size, "lr": args.lr, "seed": args.seed,
            "input_shape": list(train_x.shape[1:]), "num_classes": max(num_classes, 10),
            "test_accuracy": history["test_acc"][-1], "history": history}
    ckpt = save_checkpoint(args.out, model.state_dict(), meta, save=torch.save)
    print(f"checkpoint: {ckpt}")
    plot = os.path.join(args.out, "curves.png")
    if plot_curves(history, plot):
        print(f"plot: {plot}")
    print(f"trained in {elapsed:.1f} s")
    print(f"final test accuracy: {history['test_acc'][-1]:.4f}")
    return {"test_accuracy": history["test_acc"][-1], "checkpoint": ckpt, "history": history,
            "seconds": elapsed}


if __name__ == "__main__":
    main(sys.argv[1:])
