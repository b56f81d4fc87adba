"""A CNN digit classifier written as ordinary PyTorch code, running on ember.

    python examples/cnn_classifier.py [--steps 300] [--batch-size 64] [--lr 3e-3]

Trains on the UCI handwritten digits embedded in ember (E. Alpaydin and
C. Kaynak, UCI Machine Learning Repository, CC BY 4.0) and reports the
accuracy on a held-out fifth.
"""
import argparse

import ember as torch
import ember.nn as nn
import ember.optim as optim
import ember.nn.functional as F
from ember.datasets import digits_split
from ember.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc1 = nn.Linear(32 * 4 * 4, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return self.fc2(F.relu(self.fc1(x)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    train_x, train_y, test_x, test_y = digits_split()
    train_x = (train_x.float() / 16 - 0.3).unsqueeze(1) / 0.4
    test_x = (test_x.float() / 16 - 0.3).unsqueeze(1) / 0.4
    loader = DataLoader(TensorDataset(train_x, train_y), batch_size=args.batch_size, shuffle=True)

    model = Net()
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    step = 0
    while step < args.steps:
        for images, labels in loader:
            loss = F.cross_entropy(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step += 1
            if step % 10 == 0 or step == 1:
                print(f"step {step} loss {loss.item():.4f}")
            if step == args.steps:
                break

    model.eval()
    with torch.no_grad():
        accuracy = (model(test_x).argmax(dim=1) == test_y).float().mean().item()
    print(f"test accuracy {accuracy:.4f}")


if __name__ == "__main__":
    main()
