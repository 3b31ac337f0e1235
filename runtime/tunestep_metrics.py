"""Push a trial's metrics to the Tunestep API, as Katib's SDK `report_metrics` does.

Standard library only: copy this one file beside a training script (or put runtime/ on PYTHONPATH).

    from tunestep_metrics import report_metrics
    report_metrics({"accuracy": 0.93, "loss": 0.21}, step=3)

The trial's environment says where to push: TUNESTEP_API_URL, TUNESTEP_NAMESPACE, TUNESTEP_TRIAL_NAME
and TUNESTEP_TRIAL_TOKEN (a token valid for this trial only). The experiment's collector kind must be
Push for these values to count. Outside a trial (no TUNESTEP_API_URL) the call prints the metrics in
Katib's StdOut format instead, so the same script also works with the StdOut collector.
"""

import json
import math
import os
import time
import urllib.error
import urllib.parse
import urllib.request

__all__ = ["report_metrics", "ReportMetricsError"]


class ReportMetricsError(RuntimeError):
    """The API refused the metrics (the message says which field and why) or could not be reached."""


def _check(metrics):
    if not isinstance(metrics, dict) or not metrics:
        raise ReportMetricsError("metrics must be a non-empty dict such as {'accuracy': 0.93}")
    out = {}
    for name, value in metrics.items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ReportMetricsError(f"metric {name!r}: {value!r} is not a number") from None
        if not math.isfinite(number):
            raise ReportMetricsError(f"metric {name!r}: {value!r} is not finite")
        out[str(name)] = number
    return out


def report_metrics(metrics, step=None, timeout=10.0, retries=3):
    """Sends metric values for this trial; raises ReportMetricsError when they are refused."""
    values = _check(metrics)
    url = os.environ.get("TUNESTEP_API_URL")
    if not url:
        print(" ".join(f"{k}={v}" for k, v in values.items()), flush=True)
        return
    namespace = os.environ["TUNESTEP_NAMESPACE"]
    trial = os.environ["TUNESTEP_TRIAL_NAME"]
    token = os.environ["TUNESTEP_TRIAL_TOKEN"]
    body = {"metrics": values}
    if step is not None:
        body["step"] = int(step)
    path = f"/v1/namespaces/{urllib.parse.quote(namespace)}/trials/{urllib.parse.quote(trial)}/observations"
    request = urllib.request.Request(
        url.rstrip("/") + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    for attempt in range(retries + 1):
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                response.read()
                return
        except urllib.error.HTTPError as e:
            detail = e.read().decode(errors="replace")
            try:
                status = json.loads(detail)
                causes = status.get("details", {}).get("causes", [])
                detail = "; ".join(f"{c['field']}: {c['message']}" for c in causes) or status.get("message", detail)
            except ValueError:
                pass
            # 4xx is the caller's mistake and will not change on a retry; 5xx may.
            if e.code < 500 or attempt == retries:
                raise ReportMetricsError(f"the API refused the metrics ({e.code}): {detail}") from None
        except urllib.error.URLError as e:
            if attempt == retries:
                raise ReportMetricsError(f"cannot reach the Tunestep API at {url}: {e.reason}") from None
        time.sleep(0.2 * 2**attempt)
