"""``python -m skscore demo``: a smoke run, and clean errors for user mistakes."""

import pytest

import skscore._demo
from skscore.__main__ import main


@pytest.fixture(autouse=True)
def small_demo(monkeypatch):
    """Fewer held-out points and a coarser contour grid: a smoke run, not a measurement."""
    monkeypatch.setattr(skscore._demo, "N_HELD_OUT", 300)
    monkeypatch.setattr(skscore._demo, "CONTOUR_GRID_SIZE", 15)


def test_demo_runs_end_to_end_and_writes_its_figure(tmp_path, capsys):
    output = tmp_path / "demo.png"
    args = ["demo", "--n-samples", "500", "--epochs", "2", "--chains", "50"]
    assert main(args + ["--output", str(output), "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "KernelDensity" in out and "GaussianMixture" in out and "figure written to" in out
    assert "NoiseConditionalScoreEstimator" in out  # the default model
    assert output.stat().st_size > 10_000


def test_the_output_is_named_after_the_dataset_and_model(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    main(["demo", "--model", "rcae", "--n-samples", "300", "--epochs", "1", "--chains", "20"])
    assert (tmp_path / "skscore-demo-spiral-rcae.png").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--epochs", "0"], "--epochs: expected a positive integer"),
        (["--sigma", "-1"], "--sigma: expected a positive finite number"),
        (["--n-samples", "many"], "--n-samples: expected a positive integer, got 'many'"),
        (["--device", "cuda:99"], "device 'cuda:99'"),
        (["--device", "tpu"], "device 'tpu'"),
        (["--output", "/no/such/folder/x.png"], "does not exist"),
        (["--dataset", "moons"], "invalid choice"),
    ],
)
def test_user_mistakes_are_clean_errors_before_any_work(args, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", *args])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_help_lists_every_option_with_its_default(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    options = ["--dataset", "--model", "--n-samples", "--epochs", "--sigma", "--chains"]
    for option in options + ["--output", "--device", "--seed"]:
        assert option in out
    assert out.count("default") >= 9
