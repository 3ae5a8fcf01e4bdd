def q_learning_update(q, s, a, r, s_next, done, alpha=0.1, gamma=0.99):
    # Mistake: on a terminal transition the target is 0, dropping the final reward.
    new_q = q.clone()
    target = 0.0 if done else r + gamma * q[s_next].max()
    new_q[s, a] = q[s, a] + alpha * (target - q[s, a])
    return new_q
