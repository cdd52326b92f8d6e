"""The conservative-field regression loss (squared error on the field or the potential)."""

from skscore._core.objective import Objective


class ConservativeFieldLoss(Objective):
    """Squared error of the field (or of the potential), divided by ``normalizer``.

    With field targets ``Y`` the loss is ``E ||G(X) - Y||^2 / E ||Y||^2`` in data units: a
    constant normaliser, so its minimiser is the least-squares projection of the field onto
    the model's gradient fields (Im et al., "Decomposing the vector field"). With potential
    targets it is ``E (Phi(X) - y)^2 / Var(y)``.

    Parameters
    ----------
    target_type : {"field", "potential"}
        What ``y`` holds.
    normalizer : float
        ``E ||Y||^2`` (field) or ``Var(y)`` (potential).
    """

    def __init__(self, target_type, normalizer):
        super().__init__()
        self.target_type = target_type
        self.normalizer = float(normalizer)

    def per_example(self, module, X, y=None, *, generator=None):
        if self.target_type == "field":
            return ((module(X) - y) ** 2).sum(dim=1) / self.normalizer
        return (module.potential(X) - y) ** 2 / self.normalizer
