"""LinearProbeTransformer and ProbeMonitor: depth trend, non-invasiveness, reductions,
persistence, determinism and bad input; plot_probe_errors."""

import copy
import functools
import pickle
from concurrent.futures import ThreadPoolExecutor

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.linear_model import LinearRegression, LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.tree import DecisionTreeClassifier  # noqa: E402
from skorch import NeuralNetClassifier  # noqa: E402
from torch import nn  # noqa: E402

from skscore.plotting import plot_probe_errors  # noqa: E402
from skscore.probes import LinearProbeTransformer, ProbeMonitor, make_mlp  # noqa: E402
from skscore.probes import _transformer as _probes
from skscore.probes._transformer import DEFAULT_MODEL_HIDDEN

MLP_FACTORY = functools.partial(make_mlp, hidden_layer_sizes=(6, 5), n_outputs=3, activation="tanh")


def make_spirals(n_samples, turns=1.5, noise=0.05, random_state=0):
    """Two interleaved spiral arms, one per class: not linearly separable."""
    rng = np.random.RandomState(random_state)
    y = rng.randint(2, size=n_samples)
    radius = np.sqrt(rng.uniform(0.02, 1.0, size=n_samples))
    angle = 2 * np.pi * turns * radius + np.pi * y
    X = radius[:, None] * np.c_[np.cos(angle), np.sin(angle)] + noise * rng.randn(n_samples, 2)
    return X.astype(np.float32), y


def tanh_mlp(width, depth, n_inputs=2, n_classes=2):
    layers, n = [], n_inputs
    for _ in range(depth):
        layers += [nn.Linear(n, width), nn.Tanh()]
        n = width
    return nn.Sequential(*layers, nn.Linear(n, n_classes))


class SmallCNN(nn.Module):
    """conv -> in-place ReLU -> conv -> global pooling -> linear, on (n, 1, 8, 8) images."""

    def __init__(self, n_channels=1):
        super().__init__()
        self.conv1 = nn.Conv2d(n_channels, 4, 3, padding=1)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(4, 6, 3, padding=1)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(6, 3))

    def forward(self, x):
        return self.head(self.conv2(self.relu(self.conv1(x))))


class Reordered(nn.Module):
    """Registers ``late`` before ``early`` but calls ``early`` first."""

    def __init__(self):
        super().__init__()
        self.late = nn.Linear(4, 3)
        self.early = nn.Linear(2, 4)

    def forward(self, x):
        return self.late(torch.tanh(self.early(x)))


class WithUnusedHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = tanh_mlp(4, 1)
        self.head = nn.Linear(2, 2)
        self.unused = nn.Linear(2, 2)

    def forward(self, x):
        return self.head(self.block(x))


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def spirals():
    return make_spirals(1000, random_state=0), make_spirals(1000, random_state=100)


@pytest.fixture(scope="module")
def trained_mlp(spirals):
    """A narrow 4-layer tanh MLP trained on the spirals (about 2 s)."""
    (X, y), _ = spirals
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = tanh_mlp(12, 4)
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
        Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
        for _ in range(60):
            order = torch.randperm(len(X))
            for start in range(0, len(X), 100):
                rows = order[start : start + 100]
                loss = nn.functional.cross_entropy(model(Xt[rows]), yt[rows])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
    return model


@pytest.fixture
def blobs():
    rng = np.random.RandomState(0)
    y = np.repeat([0, 1, 2], 40)
    X = rng.randn(120, 4) + 3.0 * np.eye(4)[y]
    return X, y


def model_state(model):
    return (
        {k: v.clone() for k, v in model.state_dict().items()},
        [p.requires_grad for p in model.parameters()],
        [m.training for m in model.modules()],
        [p.dtype for p in model.parameters()],
    )


def assert_same_state(before, after):
    params0, grads0, modes0, dtypes0 = before
    params1, grads1, modes1, dtypes1 = after
    assert params0.keys() == params1.keys()
    for key in params0:
        assert torch.equal(params0[key], params1[key]), key
    assert (grads0, modes0, dtypes0) == (grads1, modes1, dtypes1)


# -- ground truth: separability grows with depth (thesis section 9.4) --------------------------


def test_probe_errors_decrease_with_depth(trained_mlp, spirals):
    _, (X_test, y_test) = spirals
    activations = ["1", "3", "5", "7"]
    probes = LinearProbeTransformer(trained_mlp, layers=activations, random_state=0)
    errors = [r["validation_error"] for r in probes.fit(X_test, y_test).probe_report_.values()]
    assert errors[0] > 0.15  # two interleaved spirals: the first layer cannot separate them
    assert errors[-1] < 0.03
    assert all(b <= a + 0.02 for a, b in zip(errors, errors[1:], strict=False)), errors
    # the last hidden layer is about as separable as the network's own decision
    with torch.no_grad():
        net_error = (trained_mlp(torch.from_numpy(X_test)).argmax(1).numpy() != y_test).mean()
    assert abs(errors[-1] - net_error) < 0.03


def test_trained_layers_beat_untrained_ones(trained_mlp, spirals):
    _, (X, y) = spirals
    with torch.random.fork_rng():
        torch.manual_seed(0)
        untrained = tanh_mlp(12, 4)
    kwargs = dict(layers=["7"], random_state=0)
    trained_err = LinearProbeTransformer(trained_mlp, **kwargs).fit(X, y).probe_report_["7"]
    untrained_err = LinearProbeTransformer(untrained, **kwargs).fit(X, y).probe_report_["7"]
    assert trained_err["validation_error"] < untrained_err["validation_error"] - 0.1


def test_score_layers_and_score(trained_mlp, spirals):
    (X_train, y_train), (X_test, y_test) = spirals
    probes = LinearProbeTransformer(trained_mlp, random_state=0).fit(X_train, y_train)
    scores = probes.score_layers(X_test, y_test)
    assert list(scores) == probes.layer_names_ == ["0", "1", "2", "3", "4", "5", "6", "7", "8"]
    assert probes.score(X_test, y_test) == scores["8"]
    assert scores["8"] > 0.97 and scores["0"] < 0.8
    for name, probe in probes.probes_.items():
        report = probes.probe_report_[name]
        assert 0.0 <= report["train_error"] <= 1.0 and 0.0 <= report["validation_error"] <= 1.0
        assert probe.predict(np.zeros((1, report["n_features"]))).shape == (1,)


# -- defaults: a small network trained on (X, y) -------------------------------------------------


def test_default_model_trained_on_training_rows_and_probed(spirals):
    (X, y), (X_test, y_test) = spirals
    probes = LinearProbeTransformer(random_state=0).fit(X, y)
    assert probes.layer_names_ == ["0", "1", "2", "3", "4", "5"]
    assert [type(m).__name__ for m in probes.model_] == [
        "Flatten", "Linear", "ReLU", "Linear", "ReLU", "Linear"
    ]  # fmt: skip
    assert probes.model_[1].out_features == DEFAULT_MODEL_HIDDEN[0]
    np.testing.assert_array_equal(probes.classes_, [0, 1])
    errors = {k: r["validation_error"] for k, r in probes.probe_report_.items()}
    assert errors["0"] > 0.25  # the input: interleaved spirals are not linearly separable
    assert errors["4"] < 0.05 and errors["5"] < 0.05  # the trained network separates them
    # the network classifies held-out spirals (its logits are the last layer)
    with torch.no_grad():
        logits = probes.model_(torch.from_numpy(X_test.astype(np.float32)))
    assert (logits.argmax(1).numpy() != y_test).mean() < 0.05
    scores = probes.score_layers(X_test, y_test)
    assert scores["5"] > 0.95 and scores["0"] < 0.75


def test_default_model_never_sees_validation_rows(spirals, monkeypatch):
    """The network is trained on the probes' training rows only, so validation errors stay
    held out: the rows it gets are those of the input layer's probe (same mean)."""
    (X, y), _ = spirals
    seen = []
    train = _probes.train_default_model

    def spy(X_train, *args):
        seen.append(X_train)
        return train(X_train, *args)

    monkeypatch.setattr(_probes, "train_default_model", spy)
    probes = LinearProbeTransformer(validation_fraction=0.3, random_state=0).fit(X, y)
    (X_train,) = seen
    assert len(X_train) == 700
    scaler = probes.probes_["0"][0]  # the input layer's probe: StandardScaler on X itself
    assert scaler.n_samples_seen_ == 700
    np.testing.assert_allclose(scaler.mean_, X_train.mean(axis=0), rtol=1e-5)
    assert not np.allclose(X.mean(axis=0), X_train.mean(axis=0), rtol=1e-5)


def test_default_model_deterministic_and_labels_kept(blobs):
    X, y = blobs
    labels = np.array(["a", "b", "c"])[y]
    first = LinearProbeTransformer(random_state=3).fit(X, labels)
    second = LinearProbeTransformer(random_state=3).fit(X, labels)
    np.testing.assert_array_equal(first.transform(X), second.transform(X))
    np.testing.assert_array_equal(first.classes_, ["a", "b", "c"])
    assert first.model_[-1].out_features == 3
    assert first.score(X, labels) > 0.9
    # the standardisation is folded into the first layer: X enters in its own units
    shifted = LinearProbeTransformer(random_state=3).fit(1000.0 + 50.0 * X, labels)
    assert shifted.score(1000.0 + 50.0 * X, labels) > 0.9


def test_make_mlp_factory(blobs):
    X, y = blobs
    mlp = make_mlp(4, (5, 3), 2, "tanh", generator=torch.Generator().manual_seed(0))
    assert [m.out_features for m in mlp if isinstance(m, nn.Linear)] == [5, 3, 2]
    same = make_mlp(4, (5, 3), 2, "tanh", generator=torch.Generator().manual_seed(0))
    assert all(torch.equal(a, b) for a, b in zip(mlp.parameters(), same.parameters(), strict=True))
    probes = LinearProbeTransformer(make_mlp, random_state=0).fit(X, y)
    assert probes.layer_names_ == ["0", "1", "2", "3", "4"]
    again = LinearProbeTransformer(make_mlp, random_state=0).fit(X, y)
    np.testing.assert_array_equal(probes.transform(X), again.transform(X))
    with pytest.raises(ValueError, match="hidden_layer_sizes must be a non-empty"):
        make_mlp(4, (5, 0))
    with pytest.raises(ValueError, match="'activation' parameter of make_mlp"):
        make_mlp(4, activation="gelu")


# -- the model is never changed -------------------------------------------------------------------


def test_model_left_untouched(trained_mlp, spirals):
    (X, y), _ = spirals
    model = copy.deepcopy(trained_mlp)
    model[0].weight.requires_grad_(False)
    model.train()
    model[4].eval()
    before = model_state(model)
    probes = LinearProbeTransformer(model, random_state=0).fit(X.astype(np.float64), y)
    probes.transform(X)
    probes.score_layers(X, y)
    assert_same_state(before, model_state(model))
    assert not any(m._forward_hooks for m in model.modules())
    assert probes.model_ is not model
    assert all(not p.requires_grad for p in probes.model_.parameters())


def test_skorch_net_left_untouched_and_used():
    X, y = make_spirals(300, random_state=1)
    net = NeuralNetClassifier(
        tanh_mlp(8, 2), criterion=nn.CrossEntropyLoss, max_epochs=2, train_split=None, verbose=0
    ).fit(X, y)
    net.module_.train()
    before = model_state(net.module_)
    probes = LinearProbeTransformer(net, random_state=0).fit(X, y)
    assert_same_state(before, model_state(net.module_))
    assert probes.layer_names_ == ["0", "1", "2", "3", "4"]
    # same features as from the module itself
    from_module = LinearProbeTransformer(net.module_, random_state=0).fit(X, y)
    np.testing.assert_array_equal(probes.transform(X), from_module.transform(X))


def test_skscore_estimator_accepted():
    from skscore import DenoisingAEScoreEstimator

    X, y = make_spirals(200, random_state=2)
    params = {"hidden_layer_sizes": (8,), "max_epochs": 1, "device": "cpu"}
    dae = DenoisingAEScoreEstimator(parametrization="residual", **params).fit(X, y)
    probes = LinearProbeTransformer(dae, random_state=0).fit(X, y)
    assert probes.layer_names_ == ["body.0", "body.1", "body.2"]
    assert probes.transform(X).shape == (200, 8 + 8 + 2)
    # the energy parametrization (the default): the scalar energy network's layers
    energy = DenoisingAEScoreEstimator(**params).fit(X, y)
    probes = LinearProbeTransformer(energy, random_state=0).fit(X, y)
    assert probes.layer_names_[:2] == ["energy_network.body.0", "energy_network.body.1"]
    assert np.isfinite(probes.transform(X)).all()


# -- layers ----------------------------------------------------------------------------------------


def test_unknown_layer_names_listed():
    X, y = make_spirals(50)
    probes = LinearProbeTransformer(tanh_mlp(4, 2), layers=["1", "fc9"])
    with pytest.raises(ValueError, match=r"unknown: \['fc9'\]\).*Valid names: \['0', '1'"):
        probes.fit(X, y)
    with pytest.raises(ValueError, match="distinct"):
        LinearProbeTransformer(tanh_mlp(4, 2), layers=["1", "1"]).fit(X, y)
    with pytest.raises(ValueError, match="distinct"):
        LinearProbeTransformer(tanh_mlp(4, 2), layers=[]).fit(X, y)


def test_layers_in_forward_order_not_registration_order():
    X, y = make_spirals(60)
    probes = LinearProbeTransformer(Reordered(), layers=["late", "early"]).fit(X, y)
    assert probes.layer_names_ == ["early", "late"]
    assert LinearProbeTransformer(Reordered()).fit(X, y).layer_names_ == ["early", "late"]
    assert list(probes.get_feature_names_out()[:5]) == [f"early__{k}" for k in range(4)] + [
        "late__0"
    ]


def test_container_layer_and_unused_leaf():
    X, y = make_spirals(60)
    model = WithUnusedHead()
    probes = LinearProbeTransformer(model, layers=["block"]).fit(X, y)
    assert probes.transform(X).shape == (60, 2)  # the block's output
    leaves = LinearProbeTransformer(model).fit(X, y).layer_names_
    assert leaves == ["block.0", "block.1", "block.2", "head"]  # `unused` never runs
    with pytest.raises(ValueError, match="did not run"):
        LinearProbeTransformer(model, layers=["unused"]).fit(X, y)


# -- reductions (thesis section 9.3.4) -------------------------------------------------------------


@pytest.fixture
def images():
    rng = np.random.RandomState(0)
    y = np.repeat([0, 1, 2], 20)
    X = rng.rand(60, 1, 8, 8) + y[:, None, None, None]
    return X, y


def test_conv_maps_are_average_pooled(images):
    X, y = images
    model = SmallCNN()
    probes = LinearProbeTransformer(model, layers=["conv1", "conv2"], random_state=0).fit(X, y)
    report = probes.probe_report_
    assert (report["conv1"]["n_features"], report["conv1"]["n_raw_features"]) == (4, 4 * 64)
    assert report["conv2"]["reduction"] == "avgpool"
    Z = probes.transform(X)
    assert Z.shape == (60, 4 + 6) and Z.dtype == np.float64
    with torch.no_grad():
        conv1 = model.conv1.double()(torch.from_numpy(X))
        model.float()
    # conv1's maps, recorded before the in-place ReLU overwrote them
    np.testing.assert_allclose(Z[:, :4], conv1.mean(dim=(2, 3)).numpy(), rtol=1e-12)
    assert Z[:, :4].min() < 0


def test_random_and_none_reductions(images):
    X, y = images
    kwargs = dict(layers=["conv1"], random_state=0)
    flat = LinearProbeTransformer(SmallCNN, reduction="none", **kwargs).fit(X, y)
    assert flat.transform(X).shape == (60, 256)
    rand = LinearProbeTransformer(SmallCNN, reduction="random", max_features=10, **kwargs)
    Z = rand.fit(X, y).transform(X)
    kept = rand.feature_indices_["conv1"]
    assert Z.shape == (60, 10) and np.all(np.diff(kept) > 0)
    np.testing.assert_array_equal(Z, flat.transform(X)[:, kept])
    assert list(rand.get_feature_names_out()) == [f"conv1__{k}" for k in kept]
    # auto: pooled channels (4) are below max_features, so nothing is dropped
    auto = LinearProbeTransformer(SmallCNN(), max_features=3, **kwargs).fit(X, y)
    assert auto.probe_report_["conv1"]["reduction"] == "avgpool+random"
    assert auto.transform(X).shape == (60, 3)


def test_auto_subsamples_wide_dense_layers():
    X, y = make_spirals(80)
    model = nn.Sequential(nn.Linear(2, 50), nn.Tanh())
    probes = LinearProbeTransformer(model, max_features=20, random_state=3).fit(X, y)
    assert [probes.probe_report_[n]["n_features"] for n in probes.layer_names_] == [20, 20]
    again = LinearProbeTransformer(model, max_features=20, random_state=3).fit(X, y)
    np.testing.assert_array_equal(probes.feature_indices_["0"], again.feature_indices_["0"])


# -- sklearn integration ---------------------------------------------------------------------------


def test_pipeline_and_feature_names(blobs):
    X, y = blobs
    pipe = make_pipeline(
        LinearProbeTransformer(MLP_FACTORY, random_state=0), LogisticRegression(max_iter=500)
    )
    assert pipe.fit(X, y).score(X, y) > 0.9
    probes = pipe[0]
    names = probes.get_feature_names_out()
    assert list(names) == [
        f"{layer}__{k}"
        for layer, w in [("0", 6), ("1", 6), ("2", 5), ("3", 5), ("4", 3)]
        for k in range(w)
    ]
    assert probes.transform(X).shape == (len(X), len(names))


def test_fit_transform_equals_fit_then_transform(blobs):
    X, y = blobs
    probes = LinearProbeTransformer(MLP_FACTORY, random_state=0)
    np.testing.assert_array_equal(probes.fit_transform(X, y), probes.transform(X))


def test_set_output_pandas(blobs):
    pd = pytest.importorskip("pandas")
    X, y = blobs
    probes = LinearProbeTransformer(MLP_FACTORY, random_state=0).set_output(transform="pandas")
    frame = pd.DataFrame(X, columns=list("abcd"))
    df = probes.fit(frame, y).transform(frame)
    assert list(df.columns) == list(probes.get_feature_names_out())
    assert probes.feature_names_in_.tolist() == list("abcd")


def test_image_input_and_float32(images):
    X, y = images
    probes = LinearProbeTransformer(SmallCNN, random_state=0).fit(X.astype(np.float32), y)
    assert probes.n_features_in_ == 1 and probes.input_shape_ == (1, 8, 8)
    assert probes.transform(X.astype(np.float32)).dtype == np.float32
    assert probes.model_.conv1.weight.dtype == torch.float32
    with pytest.raises(ValueError, match="per-sample shape"):
        probes.transform(X[:, :, :4])


def test_any_classifier_as_probe_and_seeded(blobs):
    X, y = blobs
    kwargs = dict(probe=DecisionTreeClassifier(max_features=2), random_state=0)
    a = LinearProbeTransformer(MLP_FACTORY, **kwargs).fit(X, y)
    b = LinearProbeTransformer(MLP_FACTORY, **kwargs).fit(X, y)
    assert isinstance(a.probes_["0"], DecisionTreeClassifier)
    assert a.probes_["0"].random_state is not None
    assert a.probe_report_ == b.probe_report_
    assert kwargs["probe"].random_state is None  # the user's probe is not changed


def test_concurrent_transforms_agree(trained_mlp, spirals):
    (X, y), _ = spirals
    probes = LinearProbeTransformer(trained_mlp, batch_size=64, random_state=0).fit(X, y)
    expected = probes.transform(X)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(probes.transform, [X] * 8))
    for Z in results:
        np.testing.assert_array_equal(Z, expected)


# -- persistence and determinism -------------------------------------------------------------------


def test_pickle_round_trip(trained_mlp, spirals):
    (X, y), (X_test, y_test) = spirals
    probes = LinearProbeTransformer(trained_mlp, random_state=0).fit(X, y)
    restored = pickle.loads(pickle.dumps(probes))
    np.testing.assert_array_equal(restored.transform(X_test), probes.transform(X_test))
    assert restored.score_layers(X_test, y_test) == probes.score_layers(X_test, y_test)
    assert restored.probe_report_ == probes.probe_report_


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU fallback")
def test_gpu_fitted_state_unpickles_on_cpu(blobs):
    X, y = blobs
    probes = LinearProbeTransformer(MLP_FACTORY, device="cpu", random_state=0).fit(X, y)
    expected = probes.transform(X)
    probes.device_ = "cuda"  # as if fitted on a GPU
    restored = pickle.loads(pickle.dumps(probes))
    assert restored.device_ == "cpu"
    np.testing.assert_array_equal(restored.transform(X), expected)


def test_deterministic_and_global_rng_untouched(blobs):
    X, y = blobs
    state = torch.random.get_rng_state()
    probes = LinearProbeTransformer(MLP_FACTORY, random_state=7)
    Z1 = probes.fit_transform(X, y)
    Z2 = clone(probes).fit(X, y).transform(X)
    np.testing.assert_array_equal(Z1, Z2)
    assert torch.equal(state, torch.random.get_rng_state())
    Z3 = LinearProbeTransformer(MLP_FACTORY, random_state=8).fit_transform(X, y)
    assert not np.array_equal(Z1, Z3)  # another seed builds another network


# -- bad input -------------------------------------------------------------------------------------


def test_bad_input(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="could not be applied.*n_features=4"):
        LinearProbeTransformer(tanh_mlp(4, 1, n_inputs=3)).fit(X, y)
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        LinearProbeTransformer(MLP_FACTORY).fit(X_nan, y)
    with pytest.raises(ValueError, match="single class"):
        LinearProbeTransformer(MLP_FACTORY).fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="Unknown label type"):
        LinearProbeTransformer(MLP_FACTORY).fit(X, np.linspace(0, 1, len(X)))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        LinearProbeTransformer(MLP_FACTORY).fit(X, y[:-1])
    with pytest.raises(ValueError, match="scikit-learn classifier"):
        LinearProbeTransformer(MLP_FACTORY, probe=LinearRegression()).fit(X, y)
    with pytest.raises(ValueError, match="'probe' parameter"):
        LinearProbeTransformer(MLP_FACTORY, probe=StandardScaler()).fit(X, y)
    with pytest.raises(ValueError, match="reduction"):
        LinearProbeTransformer(MLP_FACTORY, reduction="max").fit(X, y)
    diverged = nn.Sequential(nn.Linear(4, 3), nn.Tanh())
    nn.init.constant_(diverged[0].weight, float("inf"))
    with pytest.raises(ValueError, match="layer '0' produced non-finite features"):
        LinearProbeTransformer(diverged).fit(X, y)
    with pytest.raises(TypeError, match="must return a torch nn.Module"):
        LinearProbeTransformer(lambda n: "not a module").fit(X, y)
    with pytest.raises(TypeError, match="model must be"):
        LinearProbeTransformer(model=3).fit(X, y)
    with pytest.raises(ValueError, match="no submodules"):
        LinearProbeTransformer(nn.Linear(4, 3)).fit(X, y)


def test_unfitted_nets_rejected(blobs):
    X, y = blobs
    net = NeuralNetClassifier(tanh_mlp(4, 1, n_inputs=4, n_classes=3))
    with pytest.raises(ValueError, match="unfitted NeuralNetClassifier.*module_"):
        LinearProbeTransformer(net).fit(X, y)


def test_bad_input_after_fit(blobs):
    X, y = blobs
    probes = LinearProbeTransformer(MLP_FACTORY, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but LinearProbeTransformer is "):
        probes.transform(X[:, :3])
    with pytest.raises(ValueError, match="NaN"):
        probes.transform(np.full_like(X, np.nan))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        probes.score_layers(X, y[:-1])


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is available here")
def test_unavailable_device(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="device 'cuda' requested"):
        LinearProbeTransformer(MLP_FACTORY, device="cuda").fit(X, y)


# -- ProbeMonitor ----------------------------------------------------------------------------------


def test_probe_monitor_records_history():
    X, y = make_spirals(400, random_state=3)
    module = tanh_mlp(8, 2)
    monitor = ProbeMonitor(["1", "3"], X[300:], y[300:], every=2)
    net = NeuralNetClassifier(
        module,
        criterion=nn.CrossEntropyLoss,
        max_epochs=5,
        train_split=None,
        callbacks=[monitor],
        verbose=0,
    ).fit(X[:300], y[:300])
    probed = [row["epoch"] for row in net.history if "probe_error__1" in row]
    assert probed == [2, 4]
    errors = net.history[:, ("probe_error__1", "probe_error__3")]
    assert len(errors) == 2 and all(0.0 <= e <= 1.0 for pair in errors for e in pair)
    assert net.module_.training  # the callback did not switch the net to eval mode
    assert monitor.layer_names_ == ["1", "3"]
    ax = plot_probe_errors(net)
    assert ax.images[0].get_array().shape == (2, 2)


def test_probe_monitor_bad_every():
    X, y = make_spirals(40)
    net = NeuralNetClassifier(
        tanh_mlp(4, 1),
        criterion=nn.CrossEntropyLoss,
        max_epochs=1,
        train_split=None,
        callbacks=[ProbeMonitor("all", X, y, every=0)],
        verbose=0,
    )
    with pytest.raises(
        ValueError, match=r"'every' parameter of ProbeMonitor must be an int in the"
    ):
        net.fit(X, y)


# -- the documented XOR examples (the accuracy checks once in the docstrings) -------------------


def _xor(n_samples=200):
    X = np.random.RandomState(0).randn(n_samples, 2)
    return X, (X[:, 0] * X[:, 1] > 0).astype(int)


def _wide_relu_mlp(n_features):
    return nn.Sequential(nn.Linear(n_features, 64), nn.ReLU(), nn.Linear(64, 2))


def test_documented_default_model_separates_xor_in_its_hidden_layers():
    X, y = _xor()
    report = LinearProbeTransformer(random_state=0).fit(X, y).probe_report_
    assert report["0"]["validation_error"] > 0.3  # the input cannot separate XOR
    assert report["2"]["validation_error"] < 0.15


def test_documented_random_relu_units_separate_xor():
    X, y = _xor()
    report = LinearProbeTransformer(_wide_relu_mlp, random_state=0).fit(X, y).probe_report_
    # 64 random ReLU units make XOR far more linearly separable than the raw input
    assert report["1"]["validation_error"] < report["0"]["validation_error"] - 0.2
    probes = LinearProbeTransformer(_wide_relu_mlp, random_state=0).fit(X[:150], y[:150])
    scores = probes.score_layers(X[150:], y[150:])
    assert scores["1"] > scores["0"]  # held out too
