"""deploy/kubernetes/, checked without a cluster: schema-valid, and starting the app exactly like the image does.

No cluster runs on the project's machines, so these tests do what `kubectl apply --dry-run=server` would catch
(every manifest against the Kubernetes schemas, offline, strict about unknown fields) and what it would not: the
container must run the Dockerfile's start command with the Dockerfile's environment, and the Service, Ingress,
HorizontalPodAutoscaler, PodDisruptionBudget and Secret reference must all point at the same pods, port and names.
"""

from __future__ import annotations

import re
import socket
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from deploy import cluster
from tests.deploy.dockerfile import REPO_ROOT, SERVE, arguments_of, exec_form, image_command, image_env

KUBERNETES_DIR = REPO_ROOT / "deploy" / "kubernetes"
KUSTOMIZATION = KUBERNETES_DIR / "kustomization.yaml"
# The oldest release the manifests promise to work on, and the newest whose schemas kubernetes-validate ships.
KUBERNETES_VERSIONS = ("1.33", "1.37")


def _manifest_files() -> list[Path]:
    return sorted(path for path in KUBERNETES_DIR.glob("*.yaml") if path != KUSTOMIZATION)


def _documents() -> list[tuple[Path, dict]]:
    documents = []
    for path in _manifest_files():
        for document in yaml.safe_load_all(path.read_text()):
            if document is not None:
                documents.append((path, document))
    return documents


def _only(kind: str) -> dict:
    found = [document for _, document in _documents() if document.get("kind") == kind]
    assert len(found) == 1, f"expected exactly one {kind} in deploy/kubernetes/, found {len(found)}"
    return found[0]


def _deployment() -> dict:
    return _only("Deployment")


def _pod_spec() -> dict:
    return _deployment()["spec"]["template"]["spec"]


def _pod_labels() -> dict[str, str]:
    return _deployment()["spec"]["template"]["metadata"]["labels"]


def _container() -> dict:
    (container,) = _pod_spec()["containers"]
    return container


def _env_entries() -> dict[str, dict]:
    return {entry["name"]: entry for entry in _container().get("env", [])}


def _container_port(reference: int | str) -> int:
    """The container port a probe or Service refers to, by number or by the port's name."""
    ports = _container()["ports"]
    if isinstance(reference, int):
        assert reference in [port["containerPort"] for port in ports], f"port {reference} is not a container port"
        return reference
    by_name = {port.get("name"): port["containerPort"] for port in ports}
    assert reference in by_name, f"no container port is named {reference!r}"
    return by_name[reference]


def _selects(match_labels: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(match_labels) and all(labels.get(key) == value for key, value in match_labels.items())


def _refuse_network(*args, **kwargs):
    raise AssertionError("schema validation tried to use the network; it must run offline")


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_manifest_is_valid_against_the_kubernetes_schemas_offline(version, monkeypatch):
    monkeypatch.setattr(socket, "socket", _refuse_network)
    monkeypatch.setattr(socket, "create_connection", _refuse_network)
    documents = _documents()
    assert {document["kind"] for _, document in documents} >= {
        "Deployment",
        "Service",
        "Ingress",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
    }
    for path, document in documents:
        try:
            # strict: a misspelt or misplaced field fails instead of being dropped silently by the API server.
            validated = kubernetes_validate.validate(document, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            where = ".".join(str(part) for part in error.path)
            kind = document["kind"]
            pytest.fail(f"{path.name}: {kind} is not valid Kubernetes {version} at {where}: {error.message}")
        except kubernetes_validate.SchemaNotFoundError as error:
            pytest.fail(f"{path.name}: {error.message}")
        assert validated == version, f"kubernetes-validate fell back to the {validated} schemas for {version}"


def test_the_kustomization_applies_every_manifest_and_nothing_else():
    kustomization = yaml.safe_load(KUSTOMIZATION.read_text())
    assert kustomization["kind"] == "Kustomization"
    assert sorted(kustomization["resources"]) == sorted(path.name for path in _manifest_files())
    assert kustomization.get("namespace"), "everything goes into one namespace, where the Secret is created too"
    (image,) = kustomization["images"]
    assert image["name"] == _container()["image"], "the `images:` entry must name the Deployment's image to set it"
    assert image.get("newTag"), "a pinned tag: a rolling update starts when the tag changes"


def test_no_secret_value_is_committed():
    kinds = [document["kind"] for _, document in _documents()]
    assert "Secret" not in kinds, "the cookie secret is created in the cluster (README), never stored in git"
    kustomization = yaml.safe_load(KUSTOMIZATION.read_text())
    assert "secretGenerator" not in kustomization


def test_the_container_runs_the_images_start_command_unchanged():
    container = _container()
    # Kubernetes semantics: `command` replaces the image's ENTRYPOINT and drops its CMD; `args` replaces CMD.
    if "command" in container:
        effective = container["command"] + container.get("args", [])
    else:
        effective = exec_form("ENTRYPOINT") + container.get("args", exec_form("CMD"))
    assert effective == image_command() == ["bash", SERVE], effective
    assert "args" not in container, "serve.sh passes extra arguments on to Streamlit as flags: none may be added"
    assert container.get("workingDir", arguments_of("WORKDIR")[-1]) == arguments_of("WORKDIR")[-1], (
        "serve.sh is given relative to the image's WORKDIR"
    )


def test_the_container_environment_is_the_images():
    env = _env_entries()
    image = image_env()
    serve = (REPO_ROOT / SERVE).read_text()
    for variable in ("PORT", "ADDRESS", "PYTHON"):
        assert "${" + variable in serve, f"{SERVE} no longer reads {variable}"
        assert env[variable].get("value") == image[variable], (
            f"{variable}={env[variable].get('value')!r} in the Deployment, {image[variable]!r} in the Dockerfile"
        )
    # Every Streamlit option comes from serve.sh's flags and .streamlit/config.toml, as on every tested path; the
    # cookie secret is the one exception, and it is the only thing the runtime must supply.
    assert set(env) == {"PORT", "ADDRESS", "PYTHON", cluster.SECRET_ENV}, sorted(env)
    assert "envFrom" not in _container(), "envFrom would add variables this test cannot see"
    assert _pod_spec().get("enableServiceLinks") is False, (
        "service links inject <SERVICE>_PORT variables, and STREAMLIT_* ones for a Service named streamlit-…"
    )


def test_port_and_probes_agree_with_the_image():
    port = int(image_env()["PORT"])
    (container_port,) = _container()["ports"]
    assert container_port["containerPort"] == port
    assert arguments_of("EXPOSE") == [str(port)]
    container = _container()
    for probe_name in ("startupProbe", "readinessProbe", "livenessProbe"):
        probe = container[probe_name]
        assert probe["httpGet"]["path"] == cluster.HEALTH_PATH, probe_name
        assert _container_port(probe["httpGet"]["port"]) == port, probe_name
        # As HAProxy's `timeout check 5s`: a busy replica answers late and must not count as down.
        assert probe.get("timeoutSeconds", 1) >= 3, f"{probe_name}: a 1 s timeout fails busy pods"
    liveness = container["livenessProbe"]
    patience = liveness.get("periodSeconds", 10) * liveness.get("failureThreshold", 3)
    assert patience >= 30, f"liveness restarts a pod after {patience} s without an answer; a busy pod needs longer"
    readiness = container["readinessProbe"]
    assert readiness.get("periodSeconds", 10) * readiness.get("failureThreshold", 3) >= 10


def test_runs_as_the_images_user_without_privileges():
    (useradd,) = [rest for rest in arguments_of("RUN") if "useradd" in rest]
    uid = int(re.search(r"--uid\s+(\d+)", useradd)[1])
    pod_security = _pod_spec()["securityContext"]
    container_security = _container()["securityContext"]
    assert pod_security["runAsUser"] == uid, f"the image's files belong to uid {uid}"
    assert pod_security["runAsNonRoot"] is True
    assert container_security["allowPrivilegeEscalation"] is False
    assert container_security["capabilities"]["drop"] == ["ALL"]
    assert _pod_spec().get("automountServiceAccountToken") is False


def test_the_image_is_read_only_except_where_the_app_writes(tmp_path):
    from ropelab import chart

    assert _container()["securityContext"]["readOnlyRootFilesystem"] is True
    volumes = {volume["name"]: volume for volume in _pod_spec()["volumes"]}
    mounts = {mount["mountPath"]: mount for mount in _container()["volumeMounts"]}
    for mount in mounts.values():
        assert "emptyDir" in volumes[mount["name"]], f"{mount['mountPath']}: scratch space only, per pod"
        assert not mount.get("readOnly"), mount
    # Where the app writes at run time: the folder its first chart copies plotly.js into, inside the image's WORKDIR.
    written = chart.prepare_static_files(tmp_path / "static").parent.relative_to(tmp_path)
    workdir = arguments_of("WORKDIR")[-1]
    assert f"{workdir}/{written.as_posix()}" in mounts, f"the app writes {written}/ at run time; mount an emptyDir"
    assert "/tmp" in mounts
    bundled = chart.STATIC_DIR.relative_to(REPO_ROOT)
    assert f"{workdir}/{bundled.as_posix()}" not in mounts, "a mount there would hide the files the image ships"


def test_resources_are_requested_and_bounded():
    resources = _container()["resources"]
    assert {"cpu", "memory"} <= set(resources["requests"]), "the autoscaler's CPU target is relative to the request"
    assert "memory" in resources["limits"]


def test_a_rollout_never_has_fewer_ready_pods_and_lets_websockets_drain():
    deployment = _deployment()
    assert "replicas" not in deployment["spec"], "the HPA owns the count; `kubectl apply` would reset it"
    strategy = deployment["spec"]["strategy"]
    assert strategy["type"] == "RollingUpdate"
    assert strategy["rollingUpdate"]["maxUnavailable"] == 0
    assert strategy["rollingUpdate"]["maxSurge"] not in (0, "0%")
    assert "readinessProbe" in _container(), "maxUnavailable 0 means something only with a readiness gate"
    command = _container()["lifecycle"]["preStop"]["exec"]["command"]
    assert command[0] == "sleep" and len(command) == 2, command
    drain = int(command[1])
    assert drain >= 5, "ingress-nginx needs a few seconds to stop sending visitors to a terminating pod"
    grace = _pod_spec()["terminationGracePeriodSeconds"]
    assert grace >= drain + 10, f"the grace period ({grace} s) must cover the preStop sleep and Streamlit's shutdown"


def test_the_cookie_secret_is_one_secret_referenced_consistently():
    reference = _env_entries()[cluster.SECRET_ENV]["valueFrom"]["secretKeyRef"]
    assert reference.get("optional") is not True, "without the Secret each pod would invent its own cookie secret"
    name, key = reference["name"], reference["key"]
    command = f"create secret generic {name} --from-literal={key}="
    assert command in _readme_kubernetes_section(), "README must create the Secret the Deployment reads"


def test_the_ingress_pins_sessions_and_keeps_websockets_open():
    ingress = _only("Ingress")
    annotations = {
        key.removeprefix("nginx.ingress.kubernetes.io/"): value
        for key, value in ingress["metadata"]["annotations"].items()
    }
    assert annotations["affinity"] == "cookie"
    assert annotations["affinity-mode"] == "persistent", "balanced mode moves connected students when pods are added"
    assert annotations["session-cookie-name"]
    assert int(annotations["session-cookie-max-age"]) >= 4 * 3600, "a tab must not be re-pinned during a lecture"
    assert annotations.get("session-cookie-change-on-failure") == "true"
    for timeout in ("proxy-read-timeout", "proxy-send-timeout"):
        assert int(annotations[timeout]) >= 3600, f"{timeout}: an idle websocket is cut after 60 s by default"
    body = re.fullmatch(r"(\d+)([kKmM]?)", annotations["proxy-body-size"])
    assert body, annotations["proxy-body-size"]
    size = int(body[1]) * {"": 1, "k": 1024, "m": 1024**2}[body[2].lower()]
    assert size > 256 * 1024, "the app accepts a 256 kB config.json upload"
    assert "configuration-snippet" not in annotations, "snippet annotations are refused by default in ingress-nginx"
    assert ingress["spec"]["ingressClassName"] == "nginx"
    service = _only("Service")
    backends = [path["backend"]["service"] for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]]
    assert backends
    # The schemas carry field names and types, not the API server's enums: those are checked here.
    path_types = {path["pathType"] for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]}
    assert path_types <= {"Prefix", "Exact", "ImplementationSpecific"}, path_types
    service_port_names = {port["name"] for port in service["spec"]["ports"]}
    for backend in backends:
        assert backend["name"] == service["metadata"]["name"]
        assert backend["port"].get("name") in service_port_names or backend["port"].get("number") in {
            port["port"] for port in service["spec"]["ports"]
        }


def test_the_service_selects_the_pods_and_targets_the_container_port():
    service = _only("Service")
    assert service["spec"].get("type", "ClusterIP") == "ClusterIP"
    assert _selects(service["spec"]["selector"], _pod_labels())
    (port,) = service["spec"]["ports"]
    assert _container_port(port["targetPort"]) == int(image_env()["PORT"])
    deployment_selector = _deployment()["spec"]["selector"]["matchLabels"]
    assert _selects(deployment_selector, _pod_labels())


def test_the_autoscaler_scales_the_deployment_on_cpu():
    hpa = _only("HorizontalPodAutoscaler")
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["apiVersion"], target["kind"], target["name"]) == (
        "apps/v1",
        "Deployment",
        _deployment()["metadata"]["name"],
    )
    (metric,) = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu" and metric["resource"]["target"]["type"] == "Utilization"
    assert 0 < metric["resource"]["target"]["averageUtilization"] < 100, "leave headroom below a full core"
    assert 2 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    scale_down = hpa["spec"]["behavior"]["scaleDown"]
    assert scale_down["stabilizationWindowSeconds"] >= 1800, "a quiet stretch of a lecture must not remove pods"
    # The API server's range, which the schemas do not carry.
    for direction in ("scaleUp", "scaleDown"):
        assert 0 <= hpa["spec"]["behavior"][direction]["stabilizationWindowSeconds"] <= 3600, direction


def test_the_disruption_budget_covers_the_pods_and_lets_a_drain_proceed():
    pdb = _only("PodDisruptionBudget")
    assert _selects(pdb["spec"]["selector"]["matchLabels"], _pod_labels())
    assert pdb["spec"].get("maxUnavailable") == 1, "one pod, and so one group of students, at a time"
    assert pdb["spec"].get("unhealthyPodEvictionPolicy", "IfHealthyBudget") in {"IfHealthyBudget", "AlwaysAllow"}
    assert _only("HorizontalPodAutoscaler")["spec"]["minReplicas"] > 1, "with one pod any eviction empties the app"


def _readme_kubernetes_section() -> str:
    readme = (REPO_ROOT / "README.md").read_text()
    match = re.search(r"^### Kubernetes\b.*?(?=^#{2,3} )", readme, flags=re.MULTILINE | re.DOTALL)
    assert match, "README.md has no '### Kubernetes' subsection"
    return match[0]


def test_the_readme_quotes_the_sizing_the_manifests_use():
    """The sizing lives in the README's table and in the manifests; this keeps the two from drifting apart."""
    resources = _container()["resources"]
    hpa = _only("HorizontalPodAutoscaler")["spec"]
    quoted = [
        f"`cpu: {resources['requests']['cpu']}`",
        f"`memory: {resources['requests']['memory']}`",
        f"`cpu: {resources['limits']['cpu']}`",
        f"`memory: {resources['limits']['memory']}`",
        f"`minReplicas: {hpa['minReplicas']}`",
        f"`maxReplicas: {hpa['maxReplicas']}`",
        f"`averageUtilization: {hpa['metrics'][0]['resource']['target']['averageUtilization']}`",
    ]
    section = _readme_kubernetes_section()
    missing = [text for text in quoted if text not in section]
    assert missing == [], f"README's Kubernetes sizing does not quote the manifests: {missing}"
