def q_learning_update(q, s, a, r, s_next, done, alpha=0.1, gamma=0.99):
    """One tabular Q-learning update for the transition (s, a, r, s_next, done).

    q: (num_states, num_actions) table; s, a, s_next: ints; r: float; done: bool
    (True when s_next is terminal). Return the updated table (a new tensor, or q
    updated in place).
    """
    # TODO: the TD target (careful with terminal transitions)
    # TODO: move Q(s, a) a step alpha towards it
    raise NotImplementedError
