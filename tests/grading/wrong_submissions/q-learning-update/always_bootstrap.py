def q_learning_update(q, s, a, r, s_next, done, alpha=0.1, gamma=0.99):
    q = q.clone()
    td_target = r + gamma * q[s_next].max()
    q[s, a] += alpha * (td_target - q[s, a])
    return q
