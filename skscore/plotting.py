"""Figures for score fields, samples and densities (thesis figures 3.5 and 3.6).

Functions take an optional ``ax``/``axes`` to draw into and return the matplotlib
object they drew on. matplotlib is imported inside the functions, so importing
:mod:`skscore` does not import it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import ArrayLike
from sklearn.utils import check_array, check_random_state

from skscore._core.fields import FieldLike, as_field

if TYPE_CHECKING:  # matplotlib is imported inside the functions, never at import time
    from matplotlib.axes import Axes
    from matplotlib.colors import Colormap
    from matplotlib.figure import Figure
from skscore._core.validation import check_bounds

__all__ = [
    "plot_curl",
    "plot_density_contours",
    "plot_digit_grid",
    "plot_hessian_spectrum",
    "plot_pairwise_samples",
    "plot_probe_errors",
    "plot_vector_field",
]


def _padded_bounds(X, pad=0.1):
    """Bounding box of the 2-D points ``X`` widened by ``pad`` times its size on each side."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    lo, hi = lo - pad * span, hi + pad * span
    return lo[0], hi[0], lo[1], hi[1]


def _grid(bounds, grid_size):
    """Regular grid over ``bounds``: the two meshgrid arrays and the (g * g, 2) points."""
    if not isinstance(grid_size, (int, np.integer)) or grid_size < 2:
        raise ValueError(f"grid_size must be an int >= 2, got {grid_size!r}.")
    xmin, xmax, ymin, ymax = bounds
    GX, GY = np.meshgrid(np.linspace(xmin, xmax, grid_size), np.linspace(ymin, ymax, grid_size))
    return GX, GY, np.column_stack([GX.ravel(), GY.ravel()])


def _get_ax(ax):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots()
    return ax


def plot_vector_field(
    field: FieldLike,
    X: ArrayLike | None = None,
    *,
    ax: Axes | None = None,
    bounds: tuple[float, float, float, float] | None = None,
    grid_size: int = 25,
    normalize: bool = False,
    scatter_kws: dict[str, Any] | None = None,
    quiver_kws: dict[str, Any] | None = None,
) -> Axes:
    """Draw a 2-D vector field as arrows on a grid, over the data (thesis figure 3.5).

    Parameters
    ----------
    field : callable or estimator
        A function ``(m, 2) -> (m, 2)``, or a fitted estimator: its ``grad_log_density``
        is used if it has one (score estimators), else its ``predict`` (e.g. a
        ``ConservativeFieldRegressor``). To draw ``r(x) - x`` instead, pass
        ``lambda X: est.reconstruct(X) - X``.
    X : array-like of shape (n_samples, 2), default=None
        Data drawn as small points. Also sets the default ``bounds``.
    ax : matplotlib Axes, default=None
        Axes to draw into; a new figure if None.
    bounds : tuple of 4 floats, default=None
        ``(xmin, xmax, ymin, ymax)`` of the grid. None means the bounding box of ``X``
        padded by 10% on each side (``X`` is then required).
    grid_size : int, default=25
        Number of arrows along each axis.
    normalize : bool, default=False
        Draw unit-length arrows (direction only). Useful when magnitudes far from the
        data dwarf those near it.
    scatter_kws : dict, default=None
        Extra keyword arguments for ``ax.scatter`` (the data).
    quiver_kws : dict, default=None
        Extra keyword arguments for ``ax.quiver`` (the field).

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skscore.plotting import plot_vector_field
    >>> X = np.random.default_rng(0).standard_normal((100, 2))
    >>> ax = plot_vector_field(lambda Z: -Z, X, grid_size=10)
    >>> len(ax.collections)  # the data points and the arrows
    2
    """
    fn = as_field(field).gradient
    if X is not None:
        X = check_array(X, dtype=np.float64, input_name="X")
        if X.shape[1] != 2:
            raise ValueError(f"plot_vector_field draws 2-D fields; X has {X.shape[1]} features.")
    if bounds is None:
        if X is None:
            raise ValueError("Pass X or bounds=(xmin, xmax, ymin, ymax) to set the grid.")
        bounds = _padded_bounds(X)
    bounds = check_bounds(bounds)
    GX, GY, points = _grid(bounds, grid_size)
    V = fn(points)
    if normalize:
        norms = np.linalg.norm(V, axis=1, keepdims=True)
        V = V / np.where(norms > 0, norms, 1.0)

    new_ax = ax is None
    ax = _get_ax(ax)
    if X is not None:
        ax.scatter(X[:, 0], X[:, 1], **{"s": 4, "c": "0.5", "zorder": 1, **(scatter_kws or {})})
    U, W = V[:, 0].reshape(GX.shape), V[:, 1].reshape(GX.shape)
    ax.quiver(GX, GY, U, W, **{"angles": "xy", "color": "C0", "zorder": 2, **(quiver_kws or {})})
    ax.set_xlim(bounds[0], bounds[1])
    ax.set_ylim(bounds[2], bounds[3])
    if new_ax:
        ax.set_aspect("equal", adjustable="box")
    return ax


def plot_pairwise_samples(
    X_data: ArrayLike,
    X_samples: ArrayLike,
    *,
    pairs: Sequence[tuple[int, int]] | None = None,
    axes: ArrayLike | None = None,
    max_points: int = 2000,
    side_by_side: bool = False,
    labels: tuple[str, str] = ("data", "samples"),
    scatter_kws: dict[str, Any] | None = None,
    random_state: int | np.random.RandomState | None = 0,
) -> Figure:
    """Scatter data and samples on pairs of coordinates (thesis figure 3.6).

    Parameters
    ----------
    X_data : array-like of shape (n_data, n_features)
        Training (or true) data, ``n_features >= 2``.
    X_samples : array-like of shape (n_drawn, n_features)
        Samples from a model, e.g. ``est.sample(...)``.
    pairs : list of (int, int), default=None
        Coordinate pairs, one panel per pair. None means the cycle
        ``(0, 1), (1, 2), ..., (d - 1, 0)`` (just ``(0, 1)`` for ``d = 2``).
    axes : array-like of matplotlib Axes, default=None
        Axes to draw into (at least one per panel, in reading order). None creates a
        figure with a grid of about ``ceil(sqrt(n_panels))`` columns; unused grid cells
        are removed.
    max_points : int, default=2000
        At most this many randomly chosen rows of each array are drawn.
    side_by_side : bool, default=False
        If False, data and samples are overlaid in two colours, one panel per pair. If
        True, each pair gets two adjacent panels, data (left) and samples (right), as in
        the thesis.
    labels : tuple of 2 str, default=("data", "samples")
        Names used in the legend (overlay) or the panel titles (side by side).
    scatter_kws : dict, default=None
        Extra keyword arguments for both ``ax.scatter`` calls.
    random_state : int, RandomState instance or None, default=0
        Seeds the subsampling to ``max_points``.

    Returns
    -------
    fig : matplotlib Figure
        The figure drawn on. Both panels of a pair share the same limits.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skscore.plotting import plot_pairwise_samples
    >>> rng = np.random.default_rng(0)
    >>> X_data, X_samples = rng.standard_normal((200, 5)), rng.standard_normal((200, 5))
    >>> fig = plot_pairwise_samples(X_data, X_samples)
    >>> len(fig.axes)  # pairs (0, 1), (1, 2), (2, 3), (3, 4), (4, 0)
    5
    """
    import matplotlib.pyplot as plt

    X_data = check_array(X_data, dtype=np.float64, input_name="X_data")
    X_samples = check_array(X_samples, dtype=np.float64, input_name="X_samples")
    d = X_data.shape[1]
    if d < 2:
        raise ValueError(f"plot_pairwise_samples needs at least 2 features, got {d}.")
    if X_samples.shape[1] != d:
        raise ValueError(
            f"X_data and X_samples must have the same number of features, got {d} and "
            f"{X_samples.shape[1]}."
        )
    if not isinstance(max_points, (int, np.integer)) or max_points < 1:
        raise ValueError(f"max_points must be an int >= 1, got {max_points!r}.")
    if pairs is None:
        pairs = [(0, 1)] if d == 2 else [(i, (i + 1) % d) for i in range(d)]
    pairs = [tuple(int(k) for k in pair) for pair in pairs]
    for pair in pairs:
        if len(pair) != 2 or not all(0 <= k < d for k in pair):
            raise ValueError(f"pairs must hold (i, j) feature indices in [0, {d}), got {pair!r}.")
    if not pairs:
        raise ValueError("pairs must not be empty.")
    if len(labels) != 2:
        raise ValueError(f"labels must hold 2 names (data, samples), got {labels!r}.")

    rng = check_random_state(random_state)
    arrays = []
    for A in (X_data, X_samples):
        if A.shape[0] > max_points:
            A = A[rng.choice(A.shape[0], max_points, replace=False)]
        arrays.append(A)

    per_pair = 2 if side_by_side else 1
    n_panels = per_pair * len(pairs)
    if axes is None:
        pair_cols = int(np.ceil(np.sqrt(len(pairs))))
        n_cols = per_pair * pair_cols
        n_rows = int(np.ceil(n_panels / n_cols))
        fig, axes = plt.subplots(
            n_rows, n_cols, figsize=(2.6 * n_cols, 2.6 * n_rows), squeeze=False
        )
        axes = axes.ravel()
        for extra in axes[n_panels:]:
            fig.delaxes(extra)
    else:
        axes = np.asarray(axes, dtype=object).ravel()
        if axes.size < n_panels:
            raise ValueError(f"axes has {axes.size} Axes, {n_panels} panels are needed.")
        fig = axes[0].figure

    kws = {"s": 3, "alpha": 0.5, "linewidths": 0, **(scatter_kws or {})}
    for p, (i, j) in enumerate(pairs):
        both = np.vstack([A[:, [i, j]] for A in arrays])
        xmin, xmax, ymin, ymax = _padded_bounds(both, pad=0.05)
        panel_axes = axes[per_pair * p : per_pair * (p + 1)]
        for k, (A, label) in enumerate(zip(arrays, labels, strict=True)):
            ax = panel_axes[k if side_by_side else 0]
            ax.scatter(A[:, i], A[:, j], color=f"C{k}", label=label, **kws)
            if side_by_side:
                ax.set_title(label, fontsize="small")
        for ax in panel_axes:
            ax.set_xlim(xmin, xmax)
            ax.set_ylim(ymin, ymax)
            ax.set_xlabel(f"$x_{{{i}}}$")
            ax.set_ylabel(f"$x_{{{j}}}$")
    if not side_by_side:
        axes[0].legend(loc="best", fontsize="small", markerscale=3)
    fig.tight_layout()
    return fig


def plot_density_contours(
    log_prob_fn: Any,
    bounds: tuple[float, float, float, float],
    *,
    ax: Axes | None = None,
    grid_size: int = 100,
    levels: int | ArrayLike = 10,
    log_scale: bool = False,
    filled: bool = False,
    contour_kws: dict[str, Any] | None = None,
) -> Axes:
    """Contours of a 2-D density given by its (possibly unnormalised) log.

    Parameters
    ----------
    log_prob_fn : callable or object
        A function ``(m, 2) -> (m,)`` returning ``log p`` up to a constant, or an object
        with ``log_prob`` (e.g. ``skscore.datasets.GaussianMixtureDensity``) or
        ``score_samples`` (a fitted density estimator).
    bounds : tuple of 4 floats
        ``(xmin, xmax, ymin, ymax)`` of the grid.
    ax : matplotlib Axes, default=None
        Axes to draw into; a new figure if None.
    grid_size : int, default=100
        Grid points along each axis.
    levels : int or array-like, default=10
        Number of contour levels, or the levels themselves, on the plotted scale.
    log_scale : bool, default=False
        If False, contour ``p / max p`` over the grid (in (0, 1], so the unknown
        constant cancels); if True, contour ``log p - max log p`` (<= 0), which also
        shows the tails.
    filled : bool, default=False
        Use ``contourf`` instead of ``contour``.
    contour_kws : dict, default=None
        Extra keyword arguments for ``ax.contour``/``ax.contourf``.

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skscore.plotting import plot_density_contours
    >>> log_prob = lambda X: -0.5 * (X**2).sum(axis=1)
    >>> ax = plot_density_contours(log_prob, (-3, 3, -3, 3), grid_size=30, levels=5)
    >>> [float(v) for v in ax.get_xlim()]
    [-3.0, 3.0]
    """
    fn = log_prob_fn if callable(log_prob_fn) else as_field(log_prob_fn, "log_prob_fn").log_density
    bounds = check_bounds(bounds)
    GX, GY, points = _grid(bounds, grid_size)
    logp = np.asarray(fn(points), dtype=np.float64).reshape(-1)
    if logp.shape != (points.shape[0],):
        raise ValueError(
            f"log_prob_fn must map (m, 2) points to (m,) log-densities; on {points.shape[0]} "
            f"points it returned {logp.size} values."
        )
    if not np.isfinite(logp).any():
        raise ValueError("log_prob_fn returned no finite value on the grid.")
    Z = logp - np.max(logp[np.isfinite(logp)])
    Z = np.ma.masked_invalid(Z if log_scale else np.exp(Z)).reshape(GX.shape)

    ax = _get_ax(ax)
    draw = ax.contourf if filled else ax.contour
    draw(GX, GY, Z, levels=levels, **(contour_kws or {}))
    ax.set_xlim(bounds[0], bounds[1])
    ax.set_ylim(bounds[2], bounds[3])
    return ax


def plot_curl(
    field: FieldLike,
    bounds: tuple[float, float, float, float],
    *,
    grid_size: int = 50,
    ax: Axes | None = None,
    arrows: bool = True,
    arrow_grid_size: int = 15,
    vmax: float | None = None,
    colorbar: bool = True,
    pcolormesh_kws: dict[str, Any] | None = None,
    quiver_kws: dict[str, Any] | None = None,
) -> Axes:
    """Draw the curl of a 2-D vector field as a diverging colour map, with its arrows.

    The curl ``dF_y/dx - dF_x/dy`` (:func:`skscore.metrics.curl_2d`) vanishes exactly
    where the field is locally conservative; red is counter-clockwise rotation, blue
    clockwise (Im, Belghazi & Memisevic, figure 3).

    Parameters
    ----------
    field : callable or estimator
        A function ``(m, 2) -> (m, 2)`` or a fitted estimator, as in
        :func:`skscore.metrics.curl_2d` (its ``jacobian`` if it has one, else
        ``reconstruct`` or ``predict``).
    bounds : tuple of 4 floats
        ``(xmin, xmax, ymin, ymax)`` of the grid.
    grid_size : int, default=50
        Grid points along each axis for the curl.
    ax : matplotlib Axes, default=None
        Axes to draw into; a new figure if None.
    arrows : bool, default=True
        Overlay the field's arrows (:func:`plot_vector_field` of a callable ``field``,
        else of the estimator's ``predict`` or ``reconstruct(X) - X``).
    arrow_grid_size : int, default=15
        Number of arrows along each axis.
    vmax : float, default=None
        Colour scale ``[-vmax, vmax]``; None uses the largest absolute curl (or 1 when
        the curl is zero everywhere).
    colorbar : bool, default=True
        Add a colour bar.
    pcolormesh_kws, quiver_kws : dict, default=None
        Extra keyword arguments for ``ax.pcolormesh`` and ``ax.quiver``.

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skscore.plotting import plot_curl
    >>> sink = lambda X: np.column_stack([-X[:, 0] + X[:, 1], -X[:, 0] - X[:, 1]])
    >>> ax = plot_curl(sink, (-1, 1, -1, 1), grid_size=20, arrow_grid_size=8)
    >>> round(float(ax.collections[0].get_array().mean()), 6)  # curl -2 everywhere
    -2.0
    """
    from skscore.metrics import curl_2d

    bounds = check_bounds(bounds)
    GX, GY, curl = curl_2d(field, bounds, grid_size)
    if vmax is None:
        vmax = float(np.abs(curl).max()) or 1.0
    new_ax = ax is None
    ax = _get_ax(ax)
    mesh = ax.pcolormesh(
        GX,
        GY,
        curl,
        **{
            "cmap": "RdBu_r",
            "vmin": -vmax,
            "vmax": vmax,
            "shading": "auto",
            **(pcolormesh_kws or {}),
        },
    )
    if colorbar:
        ax.figure.colorbar(mesh, ax=ax, label="curl")
    if arrows:
        plot_vector_field(
            field,
            ax=ax,
            bounds=bounds,
            grid_size=arrow_grid_size,
            quiver_kws={"color": "k", **(quiver_kws or {})},
        )
    if new_ax:
        ax.set_aspect("equal", adjustable="box")
    return ax


def _probe_bars_data(source):
    """``(layers, validation errors, train errors or None)`` of a probe report or mapping."""
    layers = [str(name) for name in source]
    rows = list(source.values())
    if all(isinstance(row, dict) for row in rows):
        try:
            valid = [float(row["validation_error"]) for row in rows]
        except KeyError:
            raise ValueError(
                "a probe report must hold 'validation_error' for every layer"
            ) from None
        train = (
            [float(row["train_error"]) for row in rows]
            if all("train_error" in row for row in rows)
            else None
        )
        return layers, np.asarray(valid), None if train is None else np.asarray(train)
    try:
        return layers, np.asarray(rows, dtype=np.float64), None
    except (TypeError, ValueError):
        raise ValueError("errors must map layer names to error rates (floats)") from None


def _probe_history_data(history, prefix="probe_error__"):
    """``(layers, epochs, matrix)`` of the ``probe_error__<layer>`` entries of a history."""
    layers, epochs, rows = [], [], []
    for i, row in enumerate(history):
        if not isinstance(row, dict):
            raise ValueError("a history must be a sequence of dicts (one per epoch)")
        entries = {k[len(prefix) :]: v for k, v in row.items() if str(k).startswith(prefix)}
        if not entries:
            continue
        layers += [name for name in entries if name not in layers]
        epochs.append(row.get("epoch", i + 1))
        rows.append(entries)
    if not rows:
        raise ValueError(
            f"the history has no '{prefix}<layer>' entries; record them with "
            "skscore.probes.ProbeMonitor"
        )
    matrix = np.array([[row.get(name, np.nan) for name in layers] for row in rows], dtype=float)
    return layers, epochs, matrix


def plot_probe_errors(
    errors: Any,
    *,
    kind: Literal["auto", "bars", "heatmap"] = "auto",
    ax: Axes | None = None,
    show_train: bool = True,
    annotate: bool | None = None,
    cmap: str | Colormap = "RdYlGn_r",
    vmax: float | None = None,
) -> Axes:
    """Linear-probe error per layer (thesis figures 9.3, 9.5 and 9.9).

    Draws either one bar per layer for one network -- coloured by error, red is bad -- or a
    heatmap of the errors over epochs (rows) and layers (columns) from a training history.

    Parameters
    ----------
    errors : LinearProbeTransformer, dict, skorch History, net or estimator
        A fitted :class:`skscore.probes.LinearProbeTransformer` or its ``probe_report_``, or a
        dict ``{layer: error}``: bars of the held-out errors. A skorch ``History`` (or a list
        of epoch dicts), or a net/estimator with a ``history``/``history_`` holding
        ``probe_error__<layer>`` entries recorded by :class:`skscore.probes.ProbeMonitor`:
        heatmap, one row per probed epoch.
    kind : {"auto", "bars", "heatmap"}, default="auto"
        "auto" follows the type of ``errors``. "bars" on a history draws its last probed epoch.
    ax : matplotlib Axes, default=None
        Axes to draw into; a new figure if None.
    show_train : bool, default=True
        Bars only: mark each probe's training error (when known) with a black tick. A large
        gap to the bar means the probe overfits (thesis section 9.3.3).
    annotate : bool, default=None
        Write the errors (in %) on the bars or cells. None: when there are at most 200 cells.
    cmap : str or Colormap, default="RdYlGn_r"
        Colour map from low (good) to high (bad) error.
    vmax : float, default=None
        Error mapped to the top of the colour map; None: the largest error shown.

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skscore.plotting import plot_probe_errors
    >>> ax = plot_probe_errors({"layer1": 0.3, "layer2": 0.1, "layer3": 0.02})
    >>> len(ax.patches)  # one bar per layer
    3
    >>> history = [{"epoch": e, "probe_error__a": 0.5 / e, "probe_error__b": 0.2 / e}
    ...            for e in (1, 2, 3)]
    >>> ax = plot_probe_errors(history)
    >>> ax.images[0].get_array().shape  # epochs x layers
    (3, 2)
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import Normalize
    from matplotlib.patches import Patch

    if kind not in ("auto", "bars", "heatmap"):
        raise ValueError(f"kind must be 'auto', 'bars' or 'heatmap', got {kind!r}.")
    source = getattr(errors, "probe_report_", errors)
    if not isinstance(source, dict):
        for attribute in ("history_", "history"):
            history = getattr(source, attribute, None)
            if history is not None and not callable(history):
                source = history
                break
    if isinstance(source, dict):
        if kind == "heatmap":
            raise ValueError("a heatmap needs a history of several epochs, not one report.")
        layers, valid, train = _probe_bars_data(source)
        heatmap = False
    elif isinstance(source, (list, tuple)):
        layers, epochs, matrix = _probe_history_data(source)
        heatmap = kind != "bars"
        if not heatmap:
            valid, train = matrix[-1], None
    else:
        raise TypeError(
            "errors must be a fitted LinearProbeTransformer, a probe report, a dict "
            f"{{layer: error}} or a skorch history, got {type(errors).__name__}."
        )
    if not layers:
        raise ValueError("errors holds no layer.")

    values = matrix if heatmap else valid
    finite = values[np.isfinite(values)]
    top = vmax if vmax is not None else (finite.max() if finite.size and finite.max() > 0 else 1)
    norm = Normalize(0.0, top)
    cmap = plt.get_cmap(cmap)
    if annotate is None:
        annotate = values.size <= 200
    ax = _get_ax(ax)
    positions = np.arange(len(layers))

    if heatmap:
        image = ax.imshow(
            np.ma.masked_invalid(matrix),
            aspect="auto",
            cmap=cmap,
            norm=norm,
            interpolation="nearest",
        )
        ax.figure.colorbar(image, ax=ax, label="probe error", format=_percent_formatter())
        ax.set_yticks(np.arange(len(epochs)), [str(e) for e in epochs])
        ax.set_ylabel("epoch")
        if annotate:
            for (i, j), value in np.ndenumerate(matrix):
                if np.isfinite(value):
                    shade = cmap(norm(value))
                    light = 0.299 * shade[0] + 0.587 * shade[1] + 0.114 * shade[2] > 0.5
                    ax.text(
                        j,
                        i,
                        f"{100 * value:.1f}",
                        ha="center",
                        va="center",
                        fontsize="x-small",
                        color="black" if light else "white",
                    )
    else:
        ax.bar(positions, valid, color=cmap(norm(valid)), edgecolor="0.3", linewidth=0.5)
        if show_train and train is not None:
            ax.scatter(positions, train, marker="_", s=200, color="black", zorder=3, label="train")
            held_out = Patch(facecolor=cmap(0.5), edgecolor="0.3", linewidth=0.5, label="held out")
            ax.legend(
                handles=[held_out, *ax.get_legend_handles_labels()[0]],
                loc="upper right",
                fontsize="small",
            )
        if annotate:
            for x, value in zip(positions, valid, strict=True):
                ax.annotate(
                    f"{100 * value:.1f}",
                    (x, value),
                    xytext=(0, 2),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    fontsize="x-small",
                )
        ax.set_ylim(0, max(top, finite.max() if finite.size else 0) * 1.12 or 1)
        ax.yaxis.set_major_formatter(_percent_formatter())
        ax.set_ylabel("probe error (held out)")
    rotate = sum(len(name) + 2 for name in layers) > 60
    ax.set_xticks(
        positions, layers, rotation=60 if rotate else 0, ha="right" if rotate else "center"
    )
    ax.set_xlabel("layer")
    return ax


def _percent_formatter():
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(xmax=1.0, decimals=0)


def plot_digit_grid(
    images: ArrayLike,
    *,
    n_cols: int = 10,
    image_shape: tuple[int, int] | None = None,
    ax: Axes | None = None,
    padding: int = 1,
    cmap: str = "gray_r",
    vmin: float = 0.0,
    vmax: float = 1.0,
    title: str | None = None,
) -> Axes:
    """Tile flattened images into one grid, row by row (thesis figures 5.4 and 5.6).

    Consecutive rows of ``images`` (e.g. consecutive states of a chain from
    ``GSNSampler.sample``) are laid out left to right, then top to bottom, separated by
    ``padding`` pixels of background.

    Parameters
    ----------
    images : array-like of shape (n_images, n_pixels)
        Flattened images (values between ``vmin`` and ``vmax``); NaN pixels (e.g. missing
        values) are drawn in the background colour of the padding.
    n_cols : int, default=10
        Images per grid row.
    image_shape : tuple of 2 int, default=None
        Height and width of one image; None means square (``n_pixels`` must be a
        perfect square, e.g. 64 for 8x8 digits).
    ax : matplotlib Axes, default=None
        Axes to draw into; a new figure if None.
    padding : int, default=1
        Background pixels between images.
    cmap : str, default="gray_r"
        Colour map (``"gray_r"``: ink dark on white).
    vmin, vmax : float, default=0.0, 1.0
        Range of the colour map.
    title : str, default=None
        Axes title.

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on (ticks removed).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skscore.plotting import plot_digit_grid
    >>> images = np.random.default_rng(0).uniform(size=(12, 64))
    >>> ax = plot_digit_grid(images, n_cols=5)
    >>> ax.images[0].get_array().shape  # 3 rows x 5 columns of 8x8 with 1-pixel gaps
    (26, 44)
    """
    images = check_array(
        images, dtype=np.float64, ensure_all_finite="allow-nan", input_name="images"
    )
    n_images, n_pixels = images.shape
    if image_shape is None:
        side = int(round(np.sqrt(n_pixels)))
        if side * side != n_pixels:
            raise ValueError(
                f"images have {n_pixels} pixels, not a perfect square; pass image_shape."
            )
        image_shape = (side, side)
    image_shape = tuple(int(s) for s in image_shape)
    if len(image_shape) != 2 or image_shape[0] * image_shape[1] != n_pixels:
        raise ValueError(
            f"image_shape must be (height, width) with height * width = {n_pixels}, "
            f"got {image_shape!r}."
        )
    for name, value, low in (("n_cols", n_cols, 1), ("padding", padding, 0)):
        if not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{name} must be an int >= {low}, got {value!r}.")
    n_cols = min(n_cols, n_images)
    n_rows = -(-n_images // n_cols)
    height, width = image_shape
    grid = np.full(
        (n_rows * (height + padding) - padding, n_cols * (width + padding) - padding),
        np.nan,
    )
    for k, image in enumerate(images):
        r, c = divmod(k, n_cols)
        top, left = r * (height + padding), c * (width + padding)
        grid[top : top + height, left : left + width] = image.reshape(height, width)
    ax = _get_ax(ax)
    cmap_obj = _colormap_with_background(cmap)
    ax.imshow(
        np.ma.masked_invalid(grid), cmap=cmap_obj, vmin=vmin, vmax=vmax, interpolation="nearest"
    )
    ax.set_xticks([])
    ax.set_yticks([])
    if title is not None:
        ax.set_title(title)
    return ax


def _colormap_with_background(cmap):
    """``cmap`` with masked (padding) cells drawn in a light grey."""
    import matplotlib

    return matplotlib.colormaps[cmap].with_extremes(bad="#b0c4de")


def plot_hessian_spectrum(
    history: Any, *, ax: Axes | None = None, loss_key: str | None = None
) -> Axes:
    """Extreme Hessian eigenvalues during training, with the loss (thesis figures 11.5-11.6).

    Draws ``|lambda|`` on a log scale for the largest eigenvalues LA(k) (blue to green) and the
    smallest SA(k) (red; solid when negative, dashed when positive), and the loss as a dotted
    black curve on a second log axis, from the records of
    :class:`skscore.curvature.HessianSpectrum`.

    Parameters
    ----------
    history : skorch History, list of dicts, net or estimator
        A history (or an object with ``history``/``history_``) holding ``"hessian_LA"`` /
        ``"hessian_SA"`` records, at epoch or batch level.
    ax : matplotlib Axes, default=None
        Axes to draw into; a new figure if None.
    loss_key : str, default=None
        History key of the loss to draw (``"train_loss"``); None: the full-data loss the
        spectrum was computed at (``"hessian_loss"``).

    Returns
    -------
    ax : matplotlib Axes
        The axes of the eigenvalues (the loss axis is ``ax.loss_axis``).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skscore.plotting import plot_hessian_spectrum
    >>> history = [{"epoch": e, "hessian_LA": [4.0 + e, 2.0], "hessian_SA": [-0.5, -1.0 / e],
    ...             "hessian_loss": 1.0 / e} for e in range(1, 6)]
    >>> ax = plot_hessian_spectrum(history)
    >>> len(ax.lines), len(ax.loss_axis.lines)  # LA(2) and SA(2); the loss
    (4, 1)
    """
    from skscore.curvature._spectrum import _spectrum_records

    for attribute in ("history_", "history"):
        recorded = getattr(history, attribute, None)
        if recorded is not None and not callable(recorded):
            history = recorded
    records = _spectrum_records(history, loss_key)
    steps, largest, smallest = records.steps, records.largest, records.smallest
    ax = _get_ax(ax)
    import matplotlib.pyplot as plt

    blues = plt.get_cmap("winter")
    k = largest.shape[1]
    for i in range(k):
        label = "LA" if i == 0 else None
        ax.plot(steps, np.abs(largest[:, i]), color=blues(i / max(k - 1, 1)), label=label)
    for i in range(smallest.shape[1]):
        values = smallest[:, i]
        negative = np.where(values < 0, -values, np.nan)
        positive = np.where(values >= 0, values, np.nan)
        ax.plot(steps, negative, color="tab:red", label="SA (negative)" if i == 0 else None)
        if np.any(np.isfinite(positive)):
            ax.plot(steps, positive, color="tab:red", linestyle="--")
    ax.set_yscale("log")
    ax.set_xlabel(records.unit)
    ax.set_ylabel("|eigenvalue|")
    loss_axis = ax.twinx()
    loss_axis.plot(steps, records.loss, "k:", label="loss")
    loss_axis.set_yscale("log")
    loss_axis.set_ylabel(loss_key or "loss")
    ax.loss_axis = loss_axis
    handles, labels = ax.get_legend_handles_labels()
    more, more_labels = loss_axis.get_legend_handles_labels()
    ax.legend(handles + more, labels + more_labels, loc="center right", fontsize="small")
    return ax
