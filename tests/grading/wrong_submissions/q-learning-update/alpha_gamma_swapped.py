def q_learning_update(q, s, a, r, s_next, done, alpha=0.1, gamma=0.99):
    new_q = q.clone()
    future = 0.0 if done else q[s_next].max()
    new_q[s, a] += gamma * (r + alpha * future - q[s, a])
    return new_q
