def q_learning_update(q, s, a, r, s_next, done, alpha=0.1, gamma=0.99):
    # Mistake: averages Q(s_next, .) over the actions instead of taking the max.
    new_q = q.clone()
    target = r if done else r + gamma * q[s_next].mean()
    new_q[s, a] = q[s, a] + alpha * (target - q[s, a])
    return new_q
