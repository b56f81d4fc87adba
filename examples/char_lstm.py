"""A character-level LSTM language model, written as ordinary PyTorch code on ember.

    python examples/char_lstm.py [--text examples/data/tiny_corpus.txt] [--steps 200]

Learns to predict the next character of a text file, prints the training
loss, then samples a few lines from the model.
"""
import argparse
import os

import ember as torch
import ember.nn as nn
import ember.nn.functional as F
import ember.optim as optim

HERE = os.path.dirname(os.path.abspath(__file__))


class CharLSTM(nn.Module):
    def __init__(self, vocab_size, embed=32, hidden=128, layers=1):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed)
        self.lstm = nn.LSTM(embed, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, vocab_size)

    def forward(self, idx, state=None):
        out, state = self.lstm(self.embed(idx), state)
        return self.head(out), state


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text", default=os.path.join(HERE, "data", "tiny_corpus.txt"))
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--seq-len", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--sample", type=int, default=200, help="characters to sample at the end")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    with open(args.text, encoding="utf-8") as f:
        text = f.read()
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([stoi[c] for c in text], dtype=torch.long)

    model = CharLSTM(len(chars))
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    for step in range(1, args.steps + 1):
        starts = torch.randint(0, len(data) - args.seq_len - 1, (args.batch_size,))
        x = torch.stack([data[s:s + args.seq_len] for s in starts.tolist()])
        y = torch.stack([data[s + 1:s + 1 + args.seq_len] for s in starts.tolist()])
        logits, _ = model(x)
        loss = F.cross_entropy(logits.reshape(-1, len(chars)), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if step % 10 == 0 or step == 1:
            print(f"step {step} loss {loss.item():.4f}")

    # sample: feed one character at a time, carrying the LSTM state
    model.eval()
    out = [stoi["T"] if "T" in stoi else 0]
    state = None
    with torch.no_grad():
        for _ in range(args.sample):
            logits, state = model(torch.tensor([[out[-1]]]), state)
            probs = F.softmax(logits[0, -1], dim=-1)
            out.append(torch.multinomial(probs, 1).item())
    print("sample:")
    print("".join(chars[i] for i in out))


if __name__ == "__main__":
    main()
