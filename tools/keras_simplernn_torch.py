#!/usr/bin/python3
"""The Keras SimpleRNN text example re-done in PyTorch (Debian's python3-torch),
as an independent baseline for examples/keras-simplernn: windows of 3
characters one-hot, label = next character; RNN(50, relu) -> Linear(vocab);
Keras initialisation (Glorot-uniform input and dense kernels, orthogonal
recurrent kernel, zero biases); Adam lr 1e-3, betas (0.9, 0.999), eps 1e-7
(Keras's defaults), no clipping; batch 32, 100 shuffled epochs; accuracy as
Keras reports it (running mean over the epoch's batches, weighted by size).

    /usr/bin/python3 tools/keras_simplernn_torch.py [--one-bias] [SEEDS...]

--one-bias freezes b_hh at zero, leaving one trainable bias as in Keras
(nn.RNN, like recur, has two, whose sum then moves twice as fast under Adam).
"""
import sys

import torch

TEXT = "This is GeeksforGeeks a software training institute"
W, HIDDEN, EPOCHS, BATCH = 3, 50, 100, 32


def run(seed, one_bias):
    torch.manual_seed(seed)
    chars = sorted(set(TEXT))
    idx = {c: i for i, c in enumerate(chars)}
    V = len(chars)
    X = torch.zeros(len(TEXT) - W, W, V)
    y = torch.zeros(len(TEXT) - W, dtype=torch.long)
    for i in range(len(TEXT) - W):
        for t in range(W):
            X[i, t, idx[TEXT[i + t]]] = 1
        y[i] = idx[TEXT[i + W]]
    rnn = torch.nn.RNN(V, HIDDEN, nonlinearity="relu", batch_first=True)
    fc = torch.nn.Linear(HIDDEN, V)
    torch.nn.init.xavier_uniform_(rnn.weight_ih_l0)
    torch.nn.init.orthogonal_(rnn.weight_hh_l0)
    torch.nn.init.zeros_(rnn.bias_ih_l0)
    torch.nn.init.zeros_(rnn.bias_hh_l0)
    torch.nn.init.xavier_uniform_(fc.weight)
    torch.nn.init.zeros_(fc.bias)
    if one_bias:
        rnn.bias_hh_l0.requires_grad_(False)
    params = [p for p in list(rnn.parameters()) + list(fc.parameters()) if p.requires_grad]
    opt = torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    n = len(y)
    for epoch in range(EPOCHS):
        perm = torch.randperm(n)
        tot_loss = tot_acc = 0.0
        for s in range(0, n, BATCH):
            b = perm[s:s + BATCH]
            out, _ = rnn(X[b])
            logits = fc(out[:, -1])
            loss = torch.nn.functional.cross_entropy(logits, y[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot_loss += loss.item() * len(b)
            tot_acc += (logits.argmax(1) == y[b]).sum().item()
        if epoch + 1 in (88, EPOCHS):
            print(f"seed {seed} epoch {epoch + 1}: loss {tot_loss / n:.4f} "
                  f"accuracy {tot_acc / n:.4f}")
    # greedy generation from the last 3 characters, as the Keras script
    s = "This is G"
    with torch.no_grad():
        for _ in range(50):
            x = torch.zeros(1, W, V)
            for t, c in enumerate(s[-W:]):
                x[0, t, idx[c]] = 1
            out, _ = rnn(x)
            s += chars[fc(out[:, -1]).argmax(1).item()]
    print(f"seed {seed}: {s}")
    return tot_acc / n


if __name__ == "__main__":
    torch.set_num_threads(1)
    one_bias = "--one-bias" in sys.argv[1:]
    seeds = [int(a) for a in sys.argv[1:] if a != "--one-bias"] or [1, 2, 3, 4, 5]
    accs = sorted(run(s, one_bias) for s in seeds)
    print(f"median final accuracy over {len(seeds)} seeds: {accs[len(accs) // 2]:.4f}")
