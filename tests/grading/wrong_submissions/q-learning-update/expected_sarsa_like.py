def q_learning_update(q, s, a, r, s_next, done, alpha=0.1, gamma=0.99):
    out = q.clone()
    nxt = 0 if done else q[s_next].mean()
    out[s, a] = q[s, a] + alpha * (r + gamma * nxt - q[s, a])
    return out
