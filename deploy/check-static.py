#!/usr/bin/env python3
"""Static checks of deploy/: docker-compose.yml, prometheus.yml, Dockerfile and k8s/.

No container runtime and no Kubernetes server are needed: the files are read as YAML (python3-yaml)
and checked for the fields each needs and for agreeing with one another and with the repository
(ports, labels and selectors, seeds and binds, mounts and the paths the commands read). Prints one
line per problem and exits 1 if there is any, else prints "ok" and exits 0.

    python3 deploy/check-static.py
"""

import copy
import os
import re
import sys

try:
    import yaml
except ImportError:
    print("check-static.py: python3-yaml is missing (apt-get install python3-yaml)")
    sys.exit(3)

DEPLOY = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(DEPLOY)
ROLES = {"edge", "devices", "hops"}
# k8s/ files applied on their own, not by the kustomization (checked below all the same).
K8S_ON_THEIR_OWN = {"results-reader.yaml"}
problems = []


def problem(where, what):
    problems.append(f"{where}: {what}")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def reference_metrics_port():
    """The default of splitemu.metrics.port, read from reference.conf."""
    text = read(os.path.join(ROOT, "actors/src/main/resources/reference.conf"))
    block = re.search(r"^  metrics \{(.*?)^  \}", text, re.S | re.M)
    port = re.search(r"^\s*port\s*=\s*(\d+)", block.group(1), re.M) if block else None
    if not port:
        problem("reference.conf", "no splitemu.metrics.port found")
        return None
    return int(port.group(1))


def option(args, name):
    """The value after option `name` in an argument list, or None."""
    for i, a in enumerate(args):
        if a == name and i + 1 < len(args):
            return str(args[i + 1])
        if a.startswith(name + "="):
            return a[len(name) + 1 :]
    return None


def fixed_port(value):
    """Whether value is a fixed port, 1 to 65535 (0 would pick a free one, which nobody could name)."""
    return bool(re.fullmatch(r"[0-9]{1,5}", str(value or ""))) and 0 < int(value) <= 65535


def seed_ports_fixed(where, seeds):
    """Every HOST:PORT of a --seed-nodes list has a fixed port."""
    for a in seeds:
        if a and not fixed_port(a.rpartition(":")[2]):
            problem(where, f"seed {a} needs a fixed port, 1 to 65535 (a member with --port 0 picks a free one)")


def settings(args):
    """The --set KEY=VALUE pairs of an argument list, keys without the leading "splitemu."."""
    out = {}
    for i, a in enumerate(args):
        if a == "--set" and i + 1 < len(args) and "=" in str(args[i + 1]):
            k, v = str(args[i + 1]).split("=", 1)
            out[k.removeprefix("splitemu.")] = v
    return out


def metrics_port_of(where, args, default_port):
    """The metrics port a supervisor serves on, or None when its metrics are not turned on."""
    s = settings(args)
    if s.get("metrics.enabled") != "true":
        return None
    if s.get("metrics.bind-address") not in ("0.0.0.0", "::"):
        problem(where, "metrics.bind-address must be 0.0.0.0 in a container (else 127.0.0.1)")
    return int(s.get("metrics.port", default_port))


def compose_defaults(value):
    """Substitutes ${VAR:-default} and ${VAR-default} with their defaults, as compose would."""
    return re.sub(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\}", r"\1", str(value))


def split_volume(v):
    """A compose short-syntax volume as (source, target, read_only); the source may be ${VAR:-x}."""
    m = re.fullmatch(r"(\$\{[^}]*\}[^:]*|[^:]*):([^:]+)(?::([a-z,]+))?", str(v))
    if not m:
        return str(v), "", False
    return m.group(1), m.group(2).rstrip("/"), "ro" in (m.group(3) or "").split(",")


def image_workdir():
    """The working directory of the image's final stage (where `run` and `node` start)."""
    text = read(os.path.join(DEPLOY, "Dockerfile"))
    final = text[text.rfind("\nFROM ") :]
    wd = [l.split()[1] for l in final.splitlines() if l.startswith("WORKDIR ")]
    return wd[-1] if wd else "/"


def data_target(where, scenarios_dir):
    """Where the data must be mounted for the scenarios' relative paths: data.dir
    "../shared/data/..." is taken from the working directory and trace files "../../shared/data/..."
    from the scenario's folder, as in a checkout next to shared/data. Both must agree."""
    from_workdir = os.path.normpath(os.path.join(image_workdir(), "..", "shared", "data"))
    from_scenarios = os.path.normpath(os.path.join(scenarios_dir, "..", "..", "shared", "data"))
    if from_workdir != from_scenarios:
        problem(
            where,
            f"scenarios at {scenarios_dir} must be the folder scenarios/ of the image's working"
            f" directory {image_workdir()}, so that its ../shared/data and theirs agree",
        )
    return from_scenarios


def check_member_roles(where, roles_by_member):
    """Edge and hops on one member; devices on at least two members; no unknown role."""
    for m, roles in roles_by_member.items():
        unknown = roles - ROLES
        if unknown:
            problem(where, f"{m}: unknown role(s) {sorted(unknown)}")
    edge = [m for m, r in roles_by_member.items() if "edge" in r]
    hops = [m for m, r in roles_by_member.items() if "hops" in r]
    devices = [m for m, r in roles_by_member.items() if "devices" in r]
    if len(edge) != 1 or edge != hops:
        problem(where, f"edge and hops must be on one and the same member: edge {edge}, hops {hops}")
    if len(devices) < 2:
        problem(where, f"devices must be on at least two members, found {devices}")


def check_node_metrics(where, args, metrics_default):
    """A node member serves its metrics where Prometheus scrapes it: the default port, all addresses."""
    if option(args, "--metrics-port") != str(metrics_default):
        problem(where, f"node needs --metrics-port {metrics_default} (Prometheus scrapes it there)")
    if option(args, "--metrics-bind") not in ("0.0.0.0", "::"):
        problem(where, "node needs --metrics-bind 0.0.0.0 in a container (else 127.0.0.1)")


TLS_OPTIONS = ("--tls-keystore", "--tls-truststore", "--tls-password-file")
# The TLS override of docker-compose.yml and the TLS overlay of k8s/.
COMPOSE_TLS = "docker-compose.tls.yml"
K8S_TLS = "k8s-tls"


def check_tls_all_or_none(where, args_by_member):
    """A TLS cluster needs TLS on every member (a plain member and a TLS one cannot talk), and TLS
    needs both stores."""
    with_tls = sorted(n for n, a in args_by_member.items() if any(option(a, o) for o in TLS_OPTIONS))
    without = sorted(n for n in args_by_member if n not in with_tls)
    if with_tls and without:
        problem(
            where,
            f"TLS options on {with_tls} but not on {without}: every member of a TLS cluster needs"
            " them, the supervisor included (a member without TLS cannot connect)",
        )
    for n in with_tls:
        a = args_by_member[n]
        if not option(a, "--tls-keystore") or not option(a, "--tls-truststore"):
            problem(where, f"{n}: TLS needs both --tls-keystore and --tls-truststore")


def compose_secret_targets(svc):
    """The container paths of a compose service's secrets (short syntax: /run/secrets/NAME)."""
    out = {}
    for sec in svc.get("secrets") or []:
        if isinstance(sec, dict):
            target = str(sec.get("target") or sec.get("source"))
            name = sec.get("source")
        else:
            target, name = str(sec), str(sec)
        out[target if target.startswith("/") else "/run/secrets/" + target] = name
    return out


def check_compose_tls_paths(where, members, top_secrets):
    """Every TLS file a member is given is in its container: a secret it is given (defined with a
    file at the top level) or under one of its volumes."""
    for n, svc in members.items():
        args = [str(a) for a in svc.get("command") or []]
        secrets = compose_secret_targets(svc)
        targets = [split_volume(v)[1] for v in svc.get("volumes", [])]
        for o in TLS_OPTIONS:
            path = option(args, o)
            if path is None:
                continue
            if path in secrets:
                if "file" not in (top_secrets.get(secrets[path]) or {}):
                    problem(where, f"{n}: secret {secrets[path]} ({o}) is not defined with a file under secrets:")
            elif not any(t and path.startswith(t.rstrip("/") + "/") for t in targets):
                problem(where, f"{n}: {o} {path} is neither a secret it is given nor in one of its volumes")


def without_tls(args):
    """An argument list without its TLS options and their values."""
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
        elif a in TLS_OPTIONS:
            skip = True
        elif not any(a.startswith(o + "=") for o in TLS_OPTIONS):
            out.append(a)
    return out


def check_compose_tls(base_members, base_doc):
    """docker-compose.tls.yml, the TLS override: with docker-compose.yml, every member (the
    supervisor included) has TLS, its files mounted as secrets, and each command is the base file's
    with the TLS options added (compose replaces a command: the override repeats it)."""
    path = os.path.join(DEPLOY, COMPOSE_TLS)
    if not os.path.exists(path):
        return
    where = COMPOSE_TLS
    doc = yaml.safe_load(read(path)) or {}
    if not str(doc.get("version", "")).startswith("3"):
        problem(where, "needs version 3.x, as docker-compose.yml")
    over = doc.get("services") or {}
    for n in over:
        if n not in base_members:
            problem(where, f"{n} is not a splitemu member of docker-compose.yml")
    merged = {}
    for n, svc in base_members.items():
        o = over.get(n) or {}
        m = dict(svc)
        if "command" in o:
            got = [str(a) for a in o["command"]]
            if without_tls(got) != [str(a) for a in svc.get("command") or []]:
                problem(where, f"{n}: command must be docker-compose.yml's followed by the TLS options")
            m["command"] = got
        m["secrets"] = list(svc.get("secrets") or []) + list(o.get("secrets") or [])
        merged[n] = m
    check_tls_all_or_none(where, {n: [str(a) for a in m.get("command") or []] for n, m in merged.items()})
    top = dict(base_doc.get("secrets") or {})
    top.update(doc.get("secrets") or {})
    check_compose_tls_paths(where, merged, top)


def check_compose(metrics_default):
    where = "docker-compose.yml"
    doc = yaml.safe_load(read(os.path.join(DEPLOY, where)))
    if not str(doc.get("version", "")).startswith("3"):
        problem(where, "needs version 3.x (docker-compose 1.x reads a file without it as version 1)")
    services = doc.get("services") or {}
    members = {n: s for n, s in services.items() if str(s.get("image", "")).startswith("splitemu")}
    sup = [n for n, s in members.items() if s.get("command", [None])[0] == "run"]
    nodes = [n for n, s in members.items() if s.get("command", [None])[0] == "node"]
    if len(sup) != 1:
        problem(where, f"needs exactly one supervisor (command run), found {sup}")
        return
    sup = sup[0]
    scmd = [str(a) for a in members[sup]["command"]]
    if "--cluster" not in scmd:
        problem(where, f"{sup}: run needs --cluster")
    sup_host = option(scmd, "--bind")
    if sup_host != members[sup].get("hostname", sup) or sup_host != sup:
        problem(where, f"{sup}: --bind {sup_host} must be its service name and hostname ({sup})")
    if option(scmd, "--min-members") != str(1 + len(nodes)):
        problem(where, f"{sup}: --min-members must be {1 + len(nodes)} (itself and {nodes})")
    # The scenario path must lie in a read-only mount of an existing folder holding the file.
    scenario = compose_defaults(scmd[1])
    found = False
    for v in members[sup].get("volumes", []):
        src, dst, _ = split_volume(v)
        src = compose_defaults(src)
        if scenario.startswith(dst.rstrip("/") + "/"):
            host = os.path.normpath(os.path.join(DEPLOY, src, scenario[len(dst.rstrip("/")) + 1 :]))
            found = os.path.isfile(host)
            if not found:
                problem(where, f"{sup}: scenario {scenario} is {host} on the host, which is missing")
    if not found and not any(p.startswith(where + f": {sup}: scenario") for p in problems):
        problem(where, f"{sup}: no volume holds the scenario {scenario}")
    build = (members[sup].get("build") or {})
    for n, s in members.items():
        if s.get("build") != build or s.get("image") != members[sup].get("image"):
            problem(where, f"{n}: must use the same image and build as {sup}")
    if build:
        if os.path.normpath(os.path.join(DEPLOY, build.get("context", "."))) != ROOT:
            problem(where, "build context must be the repository root (..)")
        if not os.path.isfile(os.path.join(ROOT, build.get("dockerfile", "Dockerfile"))):
            problem(where, f"build dockerfile {build.get('dockerfile')} does not exist")
    else:
        problem(where, f"{sup}: no build section")
    # Two or more long-lived nodes are the seeds, the same list on every member, the supervisor
    # included, so that the cluster outlives any one run. The first seed starts the cluster at its
    # own address when no other seed is in one; restarted (a crash, or downed on the minority side
    # of a partition) it joins the running cluster at another seed. As the only seed it would join
    # itself again at once, a cluster of its own that every later run waits for in vain. (A
    # supervisor as a seed would leave the members in a cluster of its own after its run.)
    def own(n):
        return f"{n}:{option([str(a) for a in members[n]['command']], '--port')}"

    node_addr = {own(n): n for n in nodes}
    seed_lists = {
        n: option([str(a) for a in members[n]["command"]], "--seed-nodes") or ""
        for n in [sup] + nodes
    }
    for n in [sup] + nodes:
        seed_ports_fixed(f"{where}: {n}", seed_lists[n].split(","))
    first = next((seed_lists[n] for n in nodes if seed_lists[n].split(",")[0] == own(n)), None)
    seed = None
    if first is None:
        problem(where, "no node is the first seed (--seed-nodes starting with its own NAME:PORT)")
    elif len(first.split(",")) < 2 or len(set(first.split(","))) != len(first.split(",")) or any(
        a not in node_addr for a in first.split(",")
    ):
        problem(
            where,
            f"--seed-nodes {first} must be two or more nodes' NAME:PORT (their --bind and --port):"
            " a first seed that is the only one joins itself again when restarted, a cluster of"
            " its own",
        )
    else:
        seed = node_addr[first.split(",")[0]]
        seed_addr = first
    roles = {}
    for n in [sup] + nodes:
        cmd = [str(a) for a in members[n]["command"]]
        if n != sup:
            roles[n] = set((option(cmd, "--roles") or "").split(","))
        if seed is not None and seed_lists[n] != seed_addr:
            problem(where, f"{n}: --seed-nodes must be the seed nodes, {seed_addr}, as on every member")
        if seed is not None and n != seed and seed not in (members[n].get("depends_on") or []):
            problem(where, f"{n}: should depend on the first seed {seed}")
        if n == sup:
            continue
        if option(cmd, "--bind") != n or members[n].get("hostname", n) != n:
            problem(where, f"{n}: --bind must be its service name and hostname ({n})")
        if not fixed_port(option(cmd, "--port")):
            problem(where, f"{n}: --port must be a fixed port, 1 to 65535")
        check_node_metrics(f"{where}: {n}", cmd, metrics_default)
    # A heap that is a share of the memory (-XX:MaxRAMPercentage) needs a memory limit, or it is a
    # share of the host's memory on every member at once.
    for n, svc in members.items():
        opts = str((svc.get("environment") or {}).get("SPLITEMU_JAVA_OPTS", ""))
        limit = svc.get("mem_limit")
        dlimit = (((svc.get("deploy") or {}).get("resources") or {}).get("limits") or {}).get("memory")
        if "MaxRAMPercentage" in opts and (limit is None or str(limit) != str(dlimit)):
            problem(
                where,
                f"{n}: a heap of -XX:MaxRAMPercentage needs mem_limit and"
                " deploy.resources.limits.memory, the same (else it is a share of the host's memory)",
            )
    check_compose_mounts(where, members, sup, scenario)
    check_tls_all_or_none(where, {n: [str(a) for a in s.get("command") or []] for n, s in members.items()})
    check_compose_tls_paths(where, members, doc.get("secrets") or {})
    check_compose_tls(members, doc)
    check_member_roles(where, roles)
    for n, s in members.items():
        if s.get("ports"):
            problem(where, f"{n}: a member publishes no port on the host")
    # Prometheus scrapes every member at the port its metrics are served on.
    prom = services.get("prometheus")
    if not prom:
        problem(where, "no prometheus service")
        return
    mounts = {str(v).split(":")[1]: str(v).split(":")[0] for v in prom.get("volumes", [])}
    src = mounts.get("/etc/prometheus/prometheus.yml")
    if src is None:
        problem(where, "prometheus: no config mounted at /etc/prometheus/prometheus.yml")
        return
    pconf = yaml.safe_load(read(os.path.join(DEPLOY, src)))
    targets = set()
    for job in pconf.get("scrape_configs", []):
        for sc in job.get("static_configs", []):
            targets.update(sc.get("targets", []))
    sup_metrics = metrics_port_of(f"{where}: {sup}", scmd, metrics_default)
    if sup_metrics is None:
        problem(where, f"{sup}: metrics are not turned on (--set metrics.enabled=true)")
    want = {f"{n}:{sup_metrics if n == sup else metrics_default}" for n in members}
    if targets != want:
        problem(os.path.normpath(src), f"targets {sorted(targets)} must be every member's endpoint {sorted(want)}")
    for p in services.get("prometheus", {}).get("ports", []) + services.get("grafana", {}).get(
        "ports", []
    ):
        if not str(p).startswith("127.0.0.1:"):
            problem(where, f"published port {p} must be on 127.0.0.1 only")
    check_grafana(where, services, "prometheus")


def check_compose_mounts(where, members, sup, scenario):
    """Every member builds the run itself and reads the scenario's files: each mounts the scenarios
    folder and the data folder, read-only, at the same paths as the supervisor, laid out so that
    the scenarios' relative paths reach the data."""
    def mounts(n):
        out = {}
        for v in members[n].get("volumes", []):
            src, dst, ro = split_volume(v)
            out[dst] = (src, ro)
        return out

    sup_mounts = mounts(sup)
    scen_dir = os.path.dirname(scenario)
    if scen_dir not in sup_mounts:
        return  # reported with the scenario above
    data_dir = data_target(where, scen_dir)
    if data_dir not in sup_mounts:
        problem(where, f"{sup}: no data folder mounted at {data_dir} (the scenarios' ../../shared/data)")
    else:
        raw = sup_mounts[data_dir][0]
        default = compose_defaults(raw)
        if raw == default or not raw.startswith("${"):
            problem(where, f"{sup}: the data folder {raw} must come from an environment variable with a default (${{VAR:-path}})")
        if os.path.normpath(os.path.join(DEPLOY, default)) != os.path.normpath(os.path.join(ROOT, "..", "shared", "data")):
            problem(where, f"{sup}: the data folder's default {default} must be the checkout's ../shared/data")
    for n in members:
        m = mounts(n)
        for dst in (scen_dir, data_dir):
            want = sup_mounts.get(dst)
            if want is None:
                continue
            if m.get(dst) is None:
                problem(where, f"{n}: must mount {want[0]} at {dst}, as every member reads the scenario's files")
            elif m[dst][0] != want[0]:
                problem(where, f"{n}: mounts {m[dst][0]} at {dst}, the supervisor {want[0]}")
            elif not m[dst][1]:
                problem(where, f"{n}: {dst} must be mounted read-only (:ro)")


def check_grafana(where, services, prom_name):
    graf = services.get("grafana")
    if not graf:
        problem(where, "no grafana service")
        return
    mounts = {str(v).split(":")[1]: str(v).split(":")[0] for v in graf.get("volumes", [])}
    prov = mounts.get("/etc/grafana/provisioning")
    if prov is None or os.path.normpath(os.path.join(DEPLOY, prov)) != os.path.join(
        ROOT, "grafana", "provisioning"
    ):
        problem(where, "grafana: ../grafana/provisioning must be mounted at /etc/grafana/provisioning")
        return
    provdir = os.path.join(ROOT, "grafana", "provisioning")
    for f in sorted(os.listdir(os.path.join(provdir, "dashboards"))):
        d = yaml.safe_load(read(os.path.join(provdir, "dashboards", f)))
        for p in d.get("providers", []):
            path = p.get("options", {}).get("path")
            src = mounts.get(path)
            if src is None:
                problem(where, f"grafana: provider {p.get('name')} reads {path}, which is not mounted")
            elif os.path.normpath(os.path.join(DEPLOY, src)) != os.path.join(ROOT, "grafana", "dashboards"):
                problem(where, f"grafana: {path} must be ../grafana/dashboards, is {src}")
            elif not any(n.endswith(".json") for n in os.listdir(os.path.join(DEPLOY, src))):
                problem(where, f"grafana: {src} holds no dashboard")
    for f in sorted(os.listdir(os.path.join(provdir, "datasources"))):
        d = yaml.safe_load(read(os.path.join(provdir, "datasources", f)))
        for ds in d.get("datasources", []):
            m = re.match(r"https?://([^:/]+):(\d+)", ds.get("url", ""))
            if not m or m.group(1) != prom_name or m.group(2) != "9090":
                problem(where, f"grafana: data source url {ds.get('url')} is not the {prom_name} service")


def check_dockerfile(metrics_default):
    where = "Dockerfile"
    text = read(os.path.join(DEPLOY, where))
    lines = [l.strip() for l in text.splitlines() if l.strip() and not l.strip().startswith("#")]
    froms = [l.split()[1] for l in lines if l.upper().startswith("FROM ")]
    if not froms or not all(re.match(r"eclipse-temurin:17-jdk", f) for f in froms):
        problem(where, f"base images must be a JDK 17 (eclipse-temurin:17-jdk*), are {froms}")
    final = text[text.rfind("\nFROM ") :]
    user = [l.split()[1] for l in final.splitlines() if l.startswith("USER ")]
    if not user or user[-1].split(":")[0] in ("0", "root"):
        problem(where, "the final stage must run as a non-root USER")
    if 'ENTRYPOINT ["splitemu"]' not in final:
        problem(where, 'the entrypoint must be ["splitemu"]')
    jar = re.search(r"COPY --from=\S+ \S*splitemu-cli\.jar (\S+)", final)
    entry = re.search(r"COPY (\S+) /usr/local/bin/splitemu", final)
    if not jar:
        problem(where, "the final stage must copy splitemu-cli.jar from the build stage")
    if not entry:
        problem(where, "the final stage must install the splitemu command in /usr/local/bin")
    elif jar and jar.group(1) not in read(os.path.join(ROOT, entry.group(1))):
        problem(where, f"{entry.group(1)} does not run {jar.group(1)}")
    # No data or scenarios baked in: only the build inputs are copied.
    for l in lines:
        if l.startswith("COPY ") and re.search(r"\b(scenarios|data|results)\b", l):
            problem(where, f"copies data into the image: {l}")
    exposed = {int(p) for l in lines if l.startswith("EXPOSE ") for p in l.split()[1:]}
    if metrics_default not in exposed:
        problem(where, f"EXPOSE must list the metrics port {metrics_default}")


def check_k8s(metrics_default):
    kdir = os.path.join(DEPLOY, "k8s")
    kust = yaml.safe_load(read(os.path.join(kdir, "kustomization.yaml")))
    listed = kust.get("resources", [])
    every = sorted(f for f in os.listdir(kdir) if f.endswith(".yaml") and f != "kustomization.yaml")
    files = [f for f in every if f not in K8S_ON_THEIR_OWN]
    if sorted(listed) != files:
        problem("k8s/kustomization.yaml", f"resources {sorted(listed)} must be the files {files}")
    objs = []
    for f in every:
        for d in yaml.safe_load_all(read(os.path.join(kdir, f))):
            if d is None:
                continue
            for key in ("apiVersion", "kind"):
                if not d.get(key):
                    problem(f"k8s/{f}", f"a document without {key}")
            if not (d.get("metadata") or {}).get("name"):
                problem(f"k8s/{f}", "a document without metadata.name")
            if f not in K8S_ON_THEIR_OWN:
                objs.append((f, d))
    by_kind = {}
    for f, d in objs:
        by_kind.setdefault(d["kind"], []).append((f, d))
    check_results_reader(kdir, {d["metadata"]["name"] for f, d in by_kind.get("PersistentVolumeClaim", [])})
    # The workloads' image is the kustomization's images entry, which a cluster of several machines
    # points at its registry (kustomize edit set image).
    images = {str(c.get("image", "")).split(":")[0] for f, d in objs if d.get("kind") in ("StatefulSet", "Job", "Deployment") for c in d["spec"]["template"]["spec"].get("containers", [])}
    named = {i.get("name") for i in kust.get("images") or []}
    for image in sorted(images - named):
        problem("k8s/kustomization.yaml", f"no images entry for {image} (kustomize edit set image {image}=REGISTRY/{image}:TAG)")
    # A claim for a volume made by hand (ReadOnlyMany) must not get the default StorageClass.
    for f, d in by_kind.get("PersistentVolumeClaim", []):
        if "ReadOnlyMany" in d["spec"].get("accessModes", []) and d["spec"].get("storageClassName") != "":
            problem(f"k8s/{f}", 'a ReadOnlyMany claim needs storageClassName: "" (else the default StorageClass provisions an empty volume for it)')
    services = [(f, d) for f, d in by_kind.get("Service", []) if d["spec"].get("clusterIP") == "None"]
    if len(services) != 1:
        problem("k8s", f"needs one headless Service, found {len(services)}")
        return
    sfile, svc = services[0]
    svc_name = svc["metadata"]["name"]
    if not svc["spec"].get("publishNotReadyAddresses"):
        problem(f"k8s/{sfile}", "publishNotReadyAddresses must be true (members resolve the seeds before ready)")
    svc_ports = {p["name"]: p for p in svc["spec"].get("ports", [])}
    configmaps = {d["metadata"]["name"]: (f, d) for f, d in by_kind.get("ConfigMap", [])}
    pvcs = {d["metadata"]["name"] for f, d in by_kind.get("PersistentVolumeClaim", [])}
    workloads = by_kind.get("StatefulSet", []) + by_kind.get("Deployment", []) + by_kind.get("Job", [])
    sup = None
    roles = {}
    replicas_total = 0
    members = []
    seedable = {}
    node_sets = []
    for f, d in workloads:
        where = f"k8s/{f}"
        spec = d["spec"]
        tmpl = spec["template"]
        labels = tmpl["metadata"].get("labels", {})
        sel = (spec.get("selector") or {}).get("matchLabels")
        if d["kind"] != "Job":
            if not sel or any(labels.get(k) != v for k, v in sel.items()):
                problem(where, f"selector {sel} does not match the pod labels {labels}")
        if any(labels.get(k) != v for k, v in svc["spec"]["selector"].items()):
            problem(where, f"pod labels {labels} are not selected by Service {svc_name}")
        if d["kind"] == "StatefulSet" and spec.get("serviceName") != svc_name:
            problem(where, f"serviceName must be the headless Service {svc_name}")
        ann = tmpl["metadata"].get("annotations", {})
        if ann.get("prometheus.io/scrape") != "true" or ann.get("prometheus.io/port") != str(metrics_default):
            problem(where, f"needs prometheus.io/scrape \"true\" and prometheus.io/port \"{metrics_default}\"")
        pod = tmpl["spec"]
        sc = pod.get("securityContext", {})
        if not sc.get("runAsNonRoot"):
            problem(where, "pod must set runAsNonRoot")
        c = pod["containers"][0]
        args = [str(a) for a in c.get("args", [])]
        for kind in ("requests", "limits"):
            for res in ("cpu", "memory"):
                if res not in (c.get("resources", {}).get(kind) or {}):
                    problem(where, f"container needs resources.{kind}.{res}")
        cports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
        if args and args[0] == "node":
            check_node_metrics(where, args, metrics_default)
            if not fixed_port(option(args, "--port")):
                problem(where, f"node needs a fixed --port, 1 to 65535, not {option(args, '--port')}")
        if option(args, "--port") != str(cports.get("cluster")):
            problem(where, f"--port {option(args, '--port')} must be the container port 'cluster' {cports.get('cluster')}")
        for name, p in svc_ports.items():
            if cports.get(name) is None or (isinstance(p.get("targetPort"), int) and p["targetPort"] != cports[name]):
                problem(where, f"Service port {name} has no matching container port")
        if cports.get("metrics") != metrics_default or svc_ports.get("metrics", {}).get("port") != metrics_default:
            problem(where, f"metrics ports must be {metrics_default}")
        # A member is restarted when it stops listening and is ready only while it is Up in the
        # cluster (/ready on its metrics port), so that a rolling update or a drain replaces the
        # next member only once the last one has joined; an open port is not a member. The
        # supervisor has no Service traffic to be ready for, only a liveness probe.
        needed = ("livenessProbe",) if args and args[0] == "run" else ("readinessProbe", "livenessProbe")
        for probe in needed:
            if not c.get(probe):
                problem(where, f"container needs a {probe}")
        if args and args[0] == "node" and c.get("readinessProbe"):
            get = c["readinessProbe"].get("httpGet") or {}
            if get.get("path") != "/ready" or get.get("port") not in ("metrics", metrics_default):
                problem(
                    where,
                    "readinessProbe must be httpGet /ready on the metrics port (200 once the member"
                    " is Up in the cluster; an open cluster port is not a member)",
                )
        for probe in ("readinessProbe", "livenessProbe"):
            pr = c.get(probe)
            if pr:
                port = (pr.get("tcpSocket") or pr.get("httpGet") or {}).get("port")
                if port not in cports and port not in cports.values():
                    problem(where, f"{probe} port {port} is not a container port")
        mounts = {m["name"]: m["mountPath"] for m in c.get("volumeMounts", [])}
        ro_paths = {m["mountPath"].rstrip("/") for m in c.get("volumeMounts", []) if m.get("readOnly")}
        vols = {v["name"]: v for v in pod.get("volumes", [])}
        for vname in mounts:
            if vname not in vols:
                problem(where, f"volumeMount {vname} has no volume")
        for vname, v in vols.items():
            if "configMap" in v and v["configMap"]["name"] not in configmaps:
                problem(where, f"volume {vname}: no ConfigMap {v['configMap']['name']}")
            if "persistentVolumeClaim" in v and v["persistentVolumeClaim"]["claimName"] not in pvcs:
                problem(where, f"volume {vname}: no PersistentVolumeClaim")
        env = {e["name"]: e for e in c.get("env", [])}

        def field(var):
            return env.get(var, {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath")

        bind = option(args, "--bind") or ""
        members.append((where, args, mounts, vols, ro_paths))
        # A node StatefulSet's pods may bind their stable DNS names (pod name + headless Service),
        # which a seed must, as they are the names in every --seed-nodes; any other member binds
        # its pod IP. Artery accepts only its advertised host.
        own = re.fullmatch(r"\$\((\w+)\)\." + re.escape(svc_name), bind)
        if (
            args
            and args[0] == "node"
            and d["kind"] == "StatefulSet"
            and own
            and field(own.group(1)) == "metadata.name"
        ):
            for i in range(int(spec.get("replicas", 1))):
                seedable[f"{d['metadata']['name']}-{i}.{svc_name}:{option(args, '--port')}"] = where
        else:
            var = re.fullmatch(r"\$\((\w+)\)", bind)
            if not var or field(var.group(1)) != "status.podIP":
                problem(
                    where,
                    f"--bind {bind} must be $(POD_IP) from fieldRef status.podIP (or, on a node"
                    f" StatefulSet, $(POD_NAME).{svc_name} from metadata.name)",
                )
        if args and args[0] == "run":
            if sup is not None:
                problem(where, "a second supervisor")
            sup = (where, d, pod, args, mounts, vols)
            mport = metrics_port_of(where, args, metrics_default)
            if mport != metrics_default:
                problem(where, f"supervisor metrics must be on and on port {metrics_default}")
        elif args and args[0] == "node":
            if d["kind"] == "StatefulSet":
                node_sets.append((where, labels, pod))
            n = int(spec.get("replicas", 1))
            replicas_total += n
            rs = set((option(args, "--roles") or "").split(","))
            for i in range(n):
                roles[f"{d['metadata']['name']}-{i}"] = rs
        else:
            problem(where, f"args must start with run or node, not {args[:1]}")
    check_tls_all_or_none("k8s", {w: a for w, a, _, _, _ in members})
    for f, d in workloads:
        check_k8s_tls_paths(f"k8s/{f}", d["spec"]["template"]["spec"])
    base = {(d["kind"], d["metadata"]["name"]): (f, d) for f, d in workloads}
    check_k8s_tls(base)
    check_k8s_resume(base)
    if sup is None:
        problem("k8s", "no supervisor (args starting with run)")
        return
    check_spread(node_sets, sup[1]["spec"]["template"]["metadata"].get("labels", {}), by_kind)
    where, d, pod, args, mounts, vols = sup
    if "--cluster" not in args:
        problem(where, "run needs --cluster")
    # Two or more node pods that bind their DNS names are the seeds, the same list on every member,
    # so the cluster outlives a run and a re-created supervisor Job joins the members still up. The
    # first starts the cluster; restarted, it rejoins the running cluster at another seed (as the
    # only seed it would join itself again at once, a cluster of its own).
    seeds = (option(args, "--seed-nodes") or "").split(",")
    if len(seeds) < 2 or len(set(seeds)) != len(seeds):
        problem(
            "k8s",
            f"--seed-nodes {','.join(seeds)} must be two or more node pods: a first seed that is the"
            " only one joins itself again when restarted, a cluster of its own",
        )
    seed_ports_fixed("k8s", seeds)
    for a in seeds:
        if a and a not in seedable:
            problem(
                "k8s",
                f"seed {a} is not a pod of a node StatefulSet that binds its DNS name"
                f" ($(POD_NAME).{svc_name} from metadata.name), with its --port",
            )
    for w, a, _, _, _ in members:
        if option(a, "--seed-nodes") != option(args, "--seed-nodes"):
            problem(w, f"--seed-nodes must be the seed nodes {','.join(seeds)}, as on every member")
    if option(args, "--min-members") != str(1 + replicas_total):
        problem(where, f"--min-members must be {1 + replicas_total} (the supervisor and every node replica)")
    check_member_roles("k8s", roles)
    # The scenario the command reads is a key of the ConfigMap mounted at its folder.
    scenario = args[1]
    folder, key = os.path.dirname(scenario), os.path.basename(scenario)
    vname = next((n for n, p in mounts.items() if p.rstrip("/") == folder), None)
    cm = vols.get(vname, {}).get("configMap", {}).get("name") if vname else None
    if cm not in configmaps:
        problem(where, f"the scenario {scenario} is not in a mounted ConfigMap")
    else:
        cfile, cmd = configmaps[cm]
        if key not in cmd.get("data", {}):
            problem(f"k8s/{cfile}", f"no key {key}, which the supervisor reads as {scenario}")
    # A ConfigMap copied from a repository file says which (splitemu.io/source) and must equal it.
    for name, (cfile, cmap) in configmaps.items():
        source = cmap["metadata"].get("annotations", {}).get("splitemu.io/source")
        data = cmap.get("data", {})
        if source and (len(data) != 1 or next(iter(data.values())) != read(os.path.join(ROOT, source))):
            problem(f"k8s/{cfile}", f"{', '.join(data)} differs from {source}")
    if "/var/lib/splitemu/results" not in mounts.values():
        problem(where, "the results folder /var/lib/splitemu/results must be a mounted volume")
    # Every member builds the run itself and reads the scenario's files: each mounts the scenario
    # and the data, read-only, from the same sources at the same paths as the supervisor.
    data_dir = data_target(where, folder)
    dname = next((n for n, p in mounts.items() if p.rstrip("/") == data_dir), None)
    if dname is None or "persistentVolumeClaim" not in vols.get(dname, {}):
        problem(where, f"no data volume (a PersistentVolumeClaim) mounted at {data_dir}, the scenario's ../../shared/data")
    for w, a, m, v, ro in members:
        for want_name, path in ((vname, folder), (dname, data_dir)):
            if want_name is None:
                continue
            got = next((n for n, p in m.items() if p.rstrip("/") == path), None)
            if got is None:
                problem(w, f"must mount the volume {want_name} at {path}, as every member reads the scenario's files")
            elif v.get(got) != vols.get(want_name):
                problem(w, f"the volume at {path} must be the supervisor's, {vols.get(want_name)}")
            elif path not in ro:
                problem(w, f"{path} must be mounted readOnly")


def check_k8s_tls_paths(where, pod):
    """Every TLS file the container is given is in a mounted volume, read-only, and a Secret's file
    the pod's user can read: the Secret's files belong to root, so its defaultMode must let the
    group read them and the pod's fsGroup be that group (or let everyone read them)."""
    c = pod["containers"][0]
    args = [str(a) for a in c.get("args", [])]
    vols = {v["name"]: v for v in pod.get("volumes", [])}
    sc = pod.get("securityContext") or {}
    for o in TLS_OPTIONS:
        path = option(args, o)
        if path is None:
            continue
        m = next(
            (m for m in c.get("volumeMounts", []) if path.startswith(m["mountPath"].rstrip("/") + "/")),
            None,
        )
        if m is None:
            problem(where, f"{o} {path} is in no mounted volume")
            continue
        if m.get("readOnly") is not True:
            problem(where, f"{o}: the volume at {m['mountPath']} must be mounted readOnly")
        secret = (vols.get(m["name"]) or {}).get("secret")
        if secret is None:
            continue
        items = secret.get("items")
        rel = path[len(m["mountPath"].rstrip("/")) + 1 :]
        if items is not None and rel not in {i.get("path") for i in items}:
            problem(where, f"{o} {path}: Secret {secret.get('secretName')} has no item at {rel}")
        mode = secret.get("defaultMode", 0o644)
        if not (mode & 0o004 or (mode & 0o040 and sc.get("fsGroup") is not None)):
            problem(
                where,
                f"{o} {path}: a Secret's files belong to root: give the volume a defaultMode"
                f" the group may read (0440, not {oct(mode)[2:].zfill(4)}) and the pod an fsGroup"
                " (the files' group), so that the pod's user can read them",
            )


def json_patch(doc, ops, where):
    """Applies the add and replace operations of a JSON patch (RFC 6902) to doc, in place."""
    for op in ops or []:
        parts = [p.replace("~1", "/").replace("~0", "~") for p in op.get("path", "").split("/")[1:]]
        node = doc
        try:
            for p in parts[:-1]:
                node = node[int(p)] if isinstance(node, list) else node[p]
            last = parts[-1]
            if op.get("op") not in ("add", "replace"):
                problem(where, f"patch operation {op.get('op')} is not checked here")
            elif isinstance(node, list):
                if last == "-":
                    node.append(op["value"])
                elif op["op"] == "add":
                    node.insert(int(last), op["value"])
                else:
                    node[int(last)] = op["value"]
            else:
                node[last] = op["value"]
        except (KeyError, IndexError, ValueError, TypeError):
            problem(where, f"patch path {op.get('path')} is not in the manifest")


def overlay_workloads(name, base):
    """The workloads of overlay deploy/NAME: those of the one folder its resources name (k8s/,
    whose workloads are base, keyed by (kind, name), or another overlay), with its patches (a JSON
    patch, in a file or inline, on one target) applied; None if there is no such overlay."""
    kdir = os.path.join(DEPLOY, name)
    if not os.path.exists(os.path.join(kdir, "kustomization.yaml")):
        return None
    where = f"{name}/kustomization.yaml"
    kust = yaml.safe_load(read(os.path.join(kdir, "kustomization.yaml"))) or {}
    res = [os.path.normpath(os.path.join(kdir, r)) for r in kust.get("resources", [])]
    if len(res) != 1 or os.path.dirname(res[0]) != DEPLOY:
        problem(where, "resources must be one folder of deploy/: k8s or an overlay of it")
        return None
    parent = os.path.basename(res[0])
    under = {k: copy.deepcopy(d) for k, (f, d) in base.items()} if parent == "k8s" else overlay_workloads(parent, base)
    if under is None:
        problem(where, f"resources: ../{parent} is not k8s or an overlay of it")
        return None
    for pt in kust.get("patches", []):
        t = pt.get("target") or {}
        key = (t.get("kind"), t.get("name"))
        if key not in under:
            problem(where, f"patch target {key} is not a workload of k8s/")
            continue
        ops = yaml.safe_load(pt["patch"] if "patch" in pt else read(os.path.join(kdir, pt["path"])))
        json_patch(under[key], ops, f"{name}/{pt.get('path', 'kustomization.yaml')}")
    return under


def workload_args(d):
    return [str(a) for a in d["spec"]["template"]["spec"]["containers"][0].get("args", [])]


def check_k8s_tls(base):
    """k8s-tls/, the TLS overlay of k8s/: its patches, applied to k8s/'s workloads, give every
    member (the supervisor Job included) TLS, with its files in a read-only Secret volume the
    pod's user can read."""
    patched = overlay_workloads(K8S_TLS, base)
    if patched is None:
        return
    check_tls_all_or_none(K8S_TLS, {f"{k[0]} {k[1]}": workload_args(d) for k, d in patched.items()})
    for k, d in patched.items():
        check_k8s_tls_paths(f"{K8S_TLS}: {k[0]} {k[1]}", d["spec"]["template"]["spec"])


def check_k8s_resume(base):
    """k8s-resume/ and k8s-tls-resume/: the supervisor Job of k8s/ (of k8s-tls/) with --resume and
    the results folder, from an environment variable set from a ConfigMap (made by hand: the
    folder's name is the stopped run's); every other workload as in its base, so that applying the
    Job alone resumes on the members running."""
    for name, under in (("k8s-resume", None), ("k8s-tls-resume", K8S_TLS)):
        got = overlay_workloads(name, base)
        if got is None:
            continue
        want = {k: copy.deepcopy(d) for k, (f, d) in base.items()} if under is None else overlay_workloads(under, base)
        kust = yaml.safe_load(read(os.path.join(DEPLOY, name, "kustomization.yaml"))) or {}
        if os.path.normpath(os.path.join(DEPLOY, name, kust.get("resources", [""])[0])) != os.path.join(DEPLOY, under or "k8s"):
            problem(f"{name}/kustomization.yaml", f"resources must be ../{under or 'k8s'}")
        check_tls_all_or_none(name, {f"{k[0]} {k[1]}": workload_args(d) for k, d in got.items()})
        for k, d in got.items():
            args = workload_args(d)
            if k[0] != "Job":
                if want is not None and d != want.get(k):
                    problem(name, f"{k[0]} {k[1]} must be as in ../{under or 'k8s'} (only the Job resumes)")
                continue
            if want is not None and without_resume(args) != workload_args(want[k]):
                problem(name, f"Job {k[1]}: args must be ../{under or 'k8s'}'s followed by --resume DIR")
            value = option(args, "--resume")
            var = re.fullmatch(r"\$\((\w+)\)", value or "")
            env = {e["name"]: e for e in d["spec"]["template"]["spec"]["containers"][0].get("env", [])}
            ref = (env.get(var.group(1), {}).get("valueFrom") or {}).get("configMapKeyRef") if var else None
            if not value:
                problem(name, f"Job {k[1]}: no --resume DIR")
            elif var and not ref:
                problem(name, f"Job {k[1]}: --resume {value} needs env {var.group(1)} from a configMapKeyRef")


def without_resume(args):
    """An argument list without --resume and its value."""
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
        elif a == "--resume":
            skip = True
        elif not a.startswith("--resume="):
            out.append(a)
    return out


def selects(sel, labels):
    """Whether a Kubernetes label selector (matchLabels, matchExpressions) selects labels; an empty
    selector is taken as selecting nothing here."""
    if not sel or not (sel.get("matchLabels") or sel.get("matchExpressions")):
        return False
    if any(labels.get(k) != v for k, v in (sel.get("matchLabels") or {}).items()):
        return False
    for e in sel.get("matchExpressions") or []:
        k, op, vals = e.get("key"), e.get("operator"), e.get("values") or []
        ok = {
            "In": labels.get(k) in vals,
            "NotIn": labels.get(k) not in vals,
            "Exists": k in labels,
            "DoesNotExist": k not in labels,
        }.get(op, False)
        if not ok:
            return False
    return True


def check_spread(node_sets, sup_labels, by_kind):
    """The node pods (edge-hops and devices, the two seeds among them) keep apart and go one at a
    time: each node StatefulSet prefers machines without another node pod (podAntiAffinity on
    kubernetes.io/hostname), and one PodDisruptionBudget, maxUnavailable 1, covers them all, so a
    drain never takes both seeds at once (the remaining devices member would be left in a cluster
    of its own)."""
    for where, labels, pod in node_sets:
        terms = (((pod.get("affinity") or {}).get("podAntiAffinity") or {}).get(
            "preferredDuringSchedulingIgnoredDuringExecution"
        ) or [])
        if not any(
            (t.get("podAffinityTerm") or {}).get("topologyKey") == "kubernetes.io/hostname"
            and all(selects((t.get("podAffinityTerm") or {}).get("labelSelector"), l) for _, l, _ in node_sets)
            for t in terms
        ):
            problem(
                where,
                "needs a preferred podAntiAffinity on kubernetes.io/hostname selecting every node"
                " StatefulSet's pods (a machine lost or drained should take at most one seed)",
            )
    pdbs = [(f, d) for f, d in by_kind.get("PodDisruptionBudget", [])]
    for where, labels, _ in node_sets:
        covering = [(f, d) for f, d in pdbs if selects(d["spec"].get("selector"), labels)]
        if len(covering) != 1:
            problem(
                where,
                f"its pods need exactly one PodDisruptionBudget, found {len(covering)} (more than one"
                " makes every eviction fail)",
            )
    if node_sets and not any(
        d["spec"].get("maxUnavailable") == 1
        and all(selects(d["spec"].get("selector"), l) for _, l, _ in node_sets)
        for f, d in pdbs
    ):
        problem(
            "k8s",
            "needs a PodDisruptionBudget with maxUnavailable: 1 over every node StatefulSet's pods"
            " (edge-hops and devices together: a drain takes one seed at a time)",
        )
    for f, d in pdbs:
        if selects(d["spec"].get("selector"), sup_labels):
            problem(f"k8s/{f}", "must not select the supervisor Job's pod (a budget counts pods of scalable controllers)")


def check_results_reader(kdir, pvcs):
    """The pod to copy the results out with mounts the results claim, read-only, as non-root."""
    f = "results-reader.yaml"
    if not os.path.exists(os.path.join(kdir, f)):
        return
    d = yaml.safe_load(read(os.path.join(kdir, f)))
    pod = d.get("spec") or {}
    if d.get("kind") != "Pod" or not (pod.get("securityContext") or {}).get("runAsNonRoot"):
        problem(f"k8s/{f}", "must be a Pod with runAsNonRoot")
    claims = {v["persistentVolumeClaim"]["claimName"] for v in pod.get("volumes", []) if "persistentVolumeClaim" in v}
    if not claims or not claims <= pvcs or "splitemu-results" not in claims:
        problem(f"k8s/{f}", f"must mount the results claim splitemu-results, mounts {sorted(claims)}")
    # Read-only on the mount, and on the claim where the volume says so: the reader must not be
    # able to change the results it copies out.
    results_vols = {
        v["name"]: v["persistentVolumeClaim"]
        for v in pod.get("volumes", [])
        if (v.get("persistentVolumeClaim") or {}).get("claimName") == "splitemu-results"
    }
    for c in pod.get("containers", []):
        for m in c.get("volumeMounts", []):
            if m.get("name") in results_vols and m.get("readOnly") is not True:
                problem(f"k8s/{f}", f"the results claim must be mounted readOnly: true (at {m.get('mountPath')})")
    for name, claim in results_vols.items():
        if claim.get("readOnly") is not True:
            problem(f"k8s/{f}", f"volume {name}: the results claim must be readOnly: true")
    if (d.get("metadata") or {}).get("labels", {}).get("app.kubernetes.io/name") == "splitemu":
        problem(f"k8s/{f}", "must not carry the members' label (the headless Service would select it)")


def check_executables():
    # The Dockerfile copies the entrypoint with its mode, and users run the script directly.
    for f in ("local-cluster.sh", "splitemu-entrypoint.sh", "check-static.py"):
        if not os.access(os.path.join(DEPLOY, f), os.X_OK):
            problem(f, "must be executable (git update-index --chmod=+x)")


def main():
    check_executables()
    metrics_default = reference_metrics_port()
    check_compose(metrics_default)
    check_dockerfile(metrics_default)
    check_k8s(metrics_default)
    for p in problems:
        print(f"check-static.py: {p}")
    if problems:
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()
