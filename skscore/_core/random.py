"""Integer seeds drawn from a scikit-learn ``random_state``.

Every torch generator, data split or sub-estimator that follows an estimator's
``random_state`` is seeded with an int drawn here, so the rule is written once:
``draw_seed(random_state)`` is ``int(check_random_state(random_state).randint(SEED_BOUND))``,
an int in ``[0, 2**31 - 1)``. A ``RandomState`` instance is advanced (successive draws give
successive seeds); an int gives the same seed at every call; None draws from numpy's global
``RandomState``, as scikit-learn does.
"""

import numpy as np
from sklearn.utils import check_random_state

#: Exclusive upper bound of the seeds: the largest int32, so that a seed fits every consumer
#: (torch generators, scikit-learn's ``random_state``, ``np.random.RandomState``).
SEED_BOUND = int(np.iinfo(np.int32).max)


def draw_seed(random_state, *, high=SEED_BOUND):
    """One int seed in ``[0, high)`` from ``random_state`` (int, RandomState instance or None).

    Examples
    --------
    >>> import numpy as np
    >>> from skscore._core.random import draw_seed
    >>> draw_seed(0) == draw_seed(0)
    True
    >>> rng = np.random.RandomState(0)
    >>> first, second = draw_seed(rng), draw_seed(rng)
    >>> first == draw_seed(0), first != second
    (True, True)
    """
    return int(check_random_state(random_state).randint(high))


def draw_seeds(random_state, n, *, high=SEED_BOUND):
    """``n`` int seeds in ``[0, high)`` from ``random_state``, drawn in one call (a list)."""
    return [int(s) for s in check_random_state(random_state).randint(high, size=n)]
