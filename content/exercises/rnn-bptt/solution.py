import torch


def rnn_bptt(x, h0, w_ih, w_hh, b_ih, b_hh, grad_h_last):
    """Backpropagation through time for a tanh RNN, from a gradient on the last hidden state.

    h_t = tanh(x_t @ w_ih.T + b_ih + h_(t-1) @ w_hh.T + b_hh), t = 1 .. T, h_0 = h0.
    x: (T, N, I) time first; h0: (N, H); grad_h_last = dL/dh_T: (N, H).
    Returns (grad_w_ih, grad_w_hh, grad_b_ih, grad_b_hh, grad_h0).
    """
    steps = x.shape[0]
    hs = [h0]  # hs[t] is h_t
    for t in range(steps):
        hs.append(torch.tanh(x[t] @ w_ih.T + b_ih + hs[-1] @ w_hh.T + b_hh))

    grad_w_ih = torch.zeros_like(w_ih)
    grad_w_hh = torch.zeros_like(w_hh)
    grad_b_ih = torch.zeros_like(b_ih)
    grad_b_hh = torch.zeros_like(b_hh)
    dh = grad_h_last  # dL/dh_T
    for t in range(steps - 1, -1, -1):  # x[t] produced hs[t + 1] from hs[t]
        da = dh * (1 - hs[t + 1] ** 2)  # through tanh
        grad_w_ih += da.T @ x[t]  # the weights are shared by every step: accumulate
        grad_w_hh += da.T @ hs[t]
        grad_b_ih += da.sum(dim=0)
        grad_b_hh += da.sum(dim=0)
        dh = da @ w_hh  # dL/dh_(t-1)
    return grad_w_ih, grad_w_hh, grad_b_ih, grad_b_hh, dh
