def q_learning_update(q, s, a, r, s_next, done, alpha=0.1, gamma=0.99):
    """One tabular Q-learning update for the transition (s, a, r, s_next, done)."""
    new_q = q.clone()
    # No bootstrap from a terminal state: no reward follows it.
    target = r if done else r + gamma * q[s_next].max()
    new_q[s, a] = q[s, a] + alpha * (target - q[s, a])
    return new_q
