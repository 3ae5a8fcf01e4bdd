def q_learning_update(q, s, a, r, s_next, done, alpha=0.1, gamma=0.99):
    # Mistake: bootstraps from the current state's row, max Q(s, .), not Q(s_next, .).
    new_q = q.clone()
    target = r if done else r + gamma * q[s].max()
    new_q[s, a] = q[s, a] + alpha * (target - q[s, a])
    return new_q
