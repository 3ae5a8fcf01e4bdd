def q_learning_update(q, s, a, r, s_next, done, alpha=0.1, gamma=0.99):
    new_q = q.clone()
    target = r if done else r + gamma * q[s_next].max()
    new_q[s, a] = q[s, a] + alpha * target
    return new_q
