def q_learning_update(q, s, a, r, s_next, done, alpha=0.1, gamma=0.99):
    # Mistake: bootstraps from s_next even when it is terminal.
    new_q = q.clone()
    target = r + gamma * q[s_next].max()
    new_q[s, a] = q[s, a] + alpha * (target - q[s, a])
    return new_q
