import torch  # noqa: F401 - you will need it


def memory_attention(u, m, c, hops=1):
    """Soft attention over memory slots (end-to-end memory network read), `hops` times.

    u: (N, d) query; m: (N, S, d) input memories; c: (N, S, d) output memories.
    Returns (o, p) of the last hop: o (N, d), p (N, S).
    """
    # TODO: p = softmax over the slots of u . m_i
    # TODO: o = sum_i p_i c_i
    # TODO: between hops, u = u + o
    raise NotImplementedError
