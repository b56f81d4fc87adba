"""A first look at ember: tensors and autograd, written as PyTorch code."""
import ember as torch

x = torch.tensor(2.0, requires_grad=True)
y = x ** 2
y.backward()
print("d(x^2)/dx at x=2:", x.grad)

# a tiny least-squares fit by gradient descent
torch.manual_seed(0)
inputs = torch.randn(64, 3)
true_w = torch.tensor([[1.5], [-2.0], [0.5]])
targets = inputs @ true_w + 0.1
w = torch.zeros(3, 1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
for step in range(200):
    loss = ((inputs @ w + b - targets) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
        b -= 0.1 * b.grad
        w.grad.zero_()
        b.grad.zero_()
print("fitted w:", w.detach().flatten())
print("fitted b:", b.detach())
print("final loss:", loss.item())
