"""scikit-learn conformance of every estimator (check_estimator + parameter validation)."""

import pytest
from _estimators import cases
from sklearn.utils.estimator_checks import check_param_validation, parametrize_with_checks

#: Every estimator variant at the "check" profile's settings (tests/_estimators.py).
CASES = cases("check")
ESTIMATORS = [case.make("check") for case in CASES]

EXPECTED_FAILED_CHECKS = {
    "ConservativeFieldRegressor": {
        "check_regressor_multioutput": "2-D y is a field, needs n_features columns (gets 5 of 10)",
        "check_supervised_y_2d": "2-D y is a field, needs n_features columns (gets 1 of 3)",
    },
}


def _expected_failed_checks(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=[case.id for case in CASES])
def test_param_validation(estimator):
    check_param_validation(type(estimator).__name__, estimator)
