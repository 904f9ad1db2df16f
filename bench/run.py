#!/usr/bin/env python3
"""Benchmark: the real binary against the sandbox with injected latency.

Plan and apply are network-bound, so they are measured against the network floor rather
than in seconds: for each phase the script reports

  wall / floor     wall time ÷ (critical path of dependent API rounds × latency)
  calls / minimum  API requests sent ÷ the fewest the API allows for this manifest
  peak RSS         of that phase's deployplan process alone (wait4 of the child)

and then, against a second sandbox without latency whose deployments finish at once, the
apply and the converged plan of a large manifest (`--engine P…`: P projects × 10 stages ×
9 scenarios and a release each, in four files; past 100 projects the project list pages):
deployplan's own CPU (user + system of that process, not the sandbox's) per resource, which
must stay flat as the manifest grows.

Usage: python3 bench/run.py [--projects 4] [--stages 5] [--scenarios 5] [--latency-ms 50]
Needs a built binary (cargo build --release; falls back to target/debug).
"""
import argparse, json, os, socket, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def binary():
    for profile in ("release", "debug"):
        path = os.path.join(ROOT, "target", profile, "deployplan")
        if os.path.exists(path):
            return path
    sys.exit("build deployplan first: cargo build --release")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Lookups a plan of `manifest()` makes: the server list and one object list (shop-artifacts).
LOOKUPS = 2


def manifest(url, projects, stages, scenarios):
    lines = ["providers:", "  ncp:", "    type: ncp-sourcedeploy", f"    endpoint: {url}", "ncp-sourcedeploy:", "  projects:"]
    for p in range(projects):
        lines += [f"    p{p}:", "      stages:"]
        for s in range(stages):
            lines += [f"        s{s}:", "          target: {type: server, servers: [1011, 1012]}", "          scenarios:"]
            for c in range(scenarios):
                lines += [f"            c{c}:", "              strategy: normal", "              rollback: true",
                          "              file: {type: object-storage, bucket: shop-artifacts, object: shop/shop-1.4.2.tar.gz}"]
    return "\n".join(lines) + "\n"


def requests(base):
    with urllib.request.urlopen(f"{base}/_sandbox/requests") as r:
        return json.load(r)


def clear(base):
    urllib.request.urlopen(urllib.request.Request(f"{base}/_sandbox/requests", method="DELETE")).read()


def run(cmd, cwd, env):
    """Wall time and peak RSS (KiB) of one run: the peak of that process alone (wait4 of the
    child), not the running maximum of every child so far."""
    wall, rss, _ = run_cpu(cmd, cwd, env)
    return wall, rss


def run_cpu(cmd, cwd, env):
    """`run`, and the CPU seconds (user + system) of that process alone: deployplan's own
    work, without the sandbox answering it."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in (0, 2):
            err.seek(0)
            sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err.read()}")
    return wall, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


def upload_phase(base, d, env, mib, lat):
    """One NHN binary upload of a sparse file: memory must stay flat whatever the size."""
    path = os.path.join(d, "big.bin")
    with open(path, "wb") as f:
        f.truncate(mib << 20)
    os.makedirs(os.path.join(d, "nhn"), exist_ok=True)
    with open(os.path.join(d, "nhn", "deployplan.yaml"), "w") as f:
        f.write(f"""providers:
  nhn:
    type: nhn-deploy
    endpoint: {base}/nhn-deploy
nhn-deploy:
  binaries:
    big:
      artifact: shop
      binary_group: shop-server
      version: "bench-{time.time_ns()}"
      file: ../big.bin
      application_type: server
""")
    env = dict(env)
    clear(base)
    wall, rss = run([binary(), "apply", "--auto-approve"], os.path.join(d, "nhn"), env)
    calls = len(requests(base))
    # token, artifact, binary groups, version lookup, upload; the floor ignores transfer time.
    return (f"upload {mib} MiB", wall, 5 * lat, calls, 5, rss)


def github_manifest(url, repos, envs):
    """`repos` repositories of the sandbox's seed (svc-01…) × `envs` environments with a
    variable each, and one deployment record per repository."""
    out = ["providers:", "  gh:", "    type: github", f"    endpoint: {url}", "github:", "  repositories:"]
    for r in range(1, repos + 1):
        out += [f"    octo-org/svc-{r:02}:", "      environments:"]
        for e in range(1, envs + 1):
            out += [f"        env-{e}:", f"          wait_timer: {e}", "          variables:", f"            REGION: kr-{e}"]
        out += ["      deployments:", "        app:", "          environment: env-1", "          ref: main"]
    return "\n".join(out) + "\n"


def github_phases(base, d, env, lat, par, repos=20, envs=5):
    """GitHub: apply (create all), then a converged plan. Reads go out in two rounds:
    everything the manifest names (per repository its environment list, the record's
    commit and deployments; per environment its variables and secrets, read beside the
    lists), then the newest record's status."""
    gh = os.path.join(d, "github")
    os.makedirs(gh)
    with open(os.path.join(gh, "deployplan.yaml"), "w") as f:
        f.write(github_manifest(f"{base}/github", repos, envs))
    w = lambda n: -(-n // par)
    first = repos * 3 + envs * repos * 2
    clear(base)
    wall, rss = run([binary(), "apply", "--auto-approve", "--parallelism", str(par)], gh, env)
    # Reads (no record yet: no status), environment PUTs, then variables beside the records'
    # creates, then the records' statuses.
    writes = envs * repos + envs * repos + repos + repos
    floor = (w(first) + w(envs * repos) + w(envs * repos + repos) + w(repos)) * lat
    rows = [("github apply 20×5", wall, floor, len(requests(base)), first + writes, rss)]
    clear(base)
    wall, rss = run([binary(), "plan", "--parallelism", str(par)], gh, env)
    rows.append(("github plan 20×5", wall, (w(first) + w(repos)) * lat, len(requests(base)), first + repos, rss))
    return rows


def gitlab_manifest(url, projects, envs):
    """`projects` projects (acme/svc-01…, made through the sandbox's admin API) × `envs`
    environments with a tier each, and one deployment record per project."""
    out = ["providers:", "  gl:", "    type: gitlab", f"    endpoint: {url}", "gitlab:", "  projects:"]
    for p in range(1, projects + 1):
        out += [f"    acme/svc-{p:02}:", "      environments:"]
        for e in range(1, envs + 1):
            out += [f"        env-{e}:", "          tier: staging"]
        out += ["      deployments:", "        app:", "          environment: env-1", "          ref: main"]
    return "\n".join(out) + "\n"


def gitlab_phases(base, d, env, lat, par, projects=20, envs=5):
    """GitLab: apply (create all), then a converged plan. Reads go out in two rounds: the
    projects by path, then per project its environment list, its record's branch and the
    environment's last success. Apply then creates the environments, and per record reads the
    environment's recent deployments (approvals waiting, records left open) and creates it."""
    for p in range(1, projects + 1):
        body = json.dumps({"path": f"acme/svc-{p:02}"}).encode()
        req = urllib.request.Request(f"{base}/_sandbox/gitlab/projects", data=body, method="POST",
                                     headers={"content-type": "application/json"})
        urllib.request.urlopen(req).read()
    gl = os.path.join(d, "gitlab")
    os.makedirs(gl)
    with open(os.path.join(gl, "deployplan.yaml"), "w") as f:
        f.write(gitlab_manifest(f"{base}/gitlab", projects, envs))
    w = lambda n: -(-n // par)
    reads = projects + projects * 3
    clear(base)
    wall, rss = run([binary(), "apply", "--auto-approve", "--parallelism", str(par)], gl, env)
    writes = envs * projects + projects * 2
    floor = (w(projects) + w(projects * 3) + w(writes)) * lat
    rows = [("gitlab apply 20×5", wall, floor, len(requests(base)), reads + writes, rss)]
    clear(base)
    wall, rss = run([binary(), "plan", "--parallelism", str(par)], gl, env)
    rows.append(("gitlab plan 20×5", wall, (w(projects) + w(projects * 3)) * lat, len(requests(base)), reads, rss))
    return rows


AXHUB_COMMIT = "45f0d1eba56a3165069fc12bed5a4517418081fd"  # main-3 of the seeded acme/shop


def axhub_phases(base, d, env, lat, par, apps=50):
    """AxHub: `apps` apps (svc-01…, made through the sandbox's admin API, connected to
    acme/shop) with a release each, applied (deployments followed to their end: not timed
    against a floor, their duration is the emulator's clock), then a converged plan. Its reads
    go out in three rounds: the tenants (slug → id), the tenant's apps (one page), then per
    app its git connection, its releases and its newest deployments."""
    for n in range(1, apps + 1):
        body = json.dumps({"slug": f"svc-{n:02}", "subdomain": f"svc-{n:02}", "repo": "acme/shop"}).encode()
        req = urllib.request.Request(f"{base}/_sandbox/axhub/apps", data=body, method="POST",
                                     headers={"content-type": "application/json"})
        urllib.request.urlopen(req).read()
    ax = os.path.join(d, "axhub")
    os.makedirs(ax)
    out = ["providers:", "  ax:", "    type: axhub", f"    endpoint: {base}/axhub", "    tenant: acme",
           "axhub:", "  releases:"]
    for n in range(1, apps + 1):
        out += [f"    svc-{n:02}-prod:", f"      app: svc-{n:02}", f"      commit: {AXHUB_COMMIT}"]
    with open(os.path.join(ax, "deployplan.yaml"), "w") as f:
        f.write("\n".join(out) + "\n")
    w = lambda n: -(-n // par)
    reads = 2 + apps * 3
    # Every deployment takes T (the sandbox's default clock: 300 ms queued, 1.5 s running).
    # Waiting costs no request slot, so the floor is the reads, the starts, one T and one
    # poll — not T per `par` releases. Calls: the minimum counts one final poll each; the
    # polls before it (every 200 ms) are the price of following.
    T, poll = 1.8, 0.2
    clear(base)
    wall, rss = run([binary(), "apply", "--auto-approve", "--parallelism", str(par), "--poll-interval-ms", "200"], ax, env)
    floor = (w(1) + w(1) + w(apps * 3) + w(apps)) * lat + T + poll
    rows = [(f"axhub apply {apps} releases", wall, floor, len(requests(base)), reads + apps * 2, rss)]
    clear(base)
    wall, rss = run([binary(), "plan", "--parallelism", str(par)], ax, env)
    rows.append((f"axhub plan {apps} apps", wall, (w(1) + w(1) + w(apps * 3)) * lat, len(requests(base)), reads, rss))
    return rows


def write_scale(d, projects, endpoint="sandbox", files=4):
    """A manifest of `projects` × 10 stages × 9 scenarios and a release per project, split
    into `files` files; its folder and resource count. Past 100 projects the project list
    takes more than one page."""
    root = os.path.join(d, f"scale-{projects}")
    os.makedirs(root)
    per_file = -(-projects // files)
    resources = 0
    for f in range(files):
        lines = [] if f else ["providers:", "  ncp:", "    type: ncp-sourcedeploy", f"    endpoint: {endpoint}"]
        chunk = range(f * per_file, min(projects, (f + 1) * per_file))
        lines += ["ncp-sourcedeploy:", "  projects:"]
        for p in chunk:
            lines += [f"    p{p:04}:", "      stages:"]
            for st in range(10):
                lines += [f"        s{st}:", "          target: {type: server, servers: [1011, 1012]}", "          scenarios:"]
                for c in range(9):
                    lines += [f"            c{c}:", "              strategy: normal", "              rollback: true",
                              "              file: {type: object-storage, bucket: shop-artifacts, object: shop/shop-1.4.2.tar.gz}"]
            resources += 1 + 10 + 90
        lines += ["  releases:"]
        for p in chunk:
            lines += [f"    r{p:04}:", f"      scenario: p{p:04}/s0/c0"]
            resources += 1
        with open(os.path.join(root, f"part-{f}.yaml"), "w") as out:
            out.write("\n".join(lines) + "\n")
    return root, resources


def scale_phase(d, env, projects):
    """`validate` of the scale manifest: the engine's own cost (no network), wall time and
    peak RSS, the median of five runs (one run right after the files are written is often
    twice as slow as the next)."""
    root, resources = write_scale(d, projects)
    runs = sorted(run([binary(), "validate", root], root, env) for _ in range(5))
    wall, rss = runs[len(runs) // 2]
    return (f"validate {resources} res.", wall, None, 0, 0, rss)


def engine_phases(d, env, base, projects, par):
    """Apply, then plan, the scale manifest against a sandbox without latency whose
    deployments finish at once: what deployplan itself costs per resource (its own CPU,
    not the sandbox's), and whether that cost stays flat as the manifest grows."""
    root, resources = write_scale(os.path.join(d, "engine"), projects, f"{base}/ncp-sourcedeploy")
    flags = ["--parallelism", str(par)]
    clear(base)
    wall, rss, cpu = run_cpu([binary(), "apply", "--auto-approve", "--poll-interval-ms", "50", *flags, "."], root, env)
    rows = [(f"apply {resources}", resources, wall, cpu, len(requests(base)), rss)]
    clear(base)
    wall, rss, cpu = run_cpu([binary(), "plan", *flags, "."], root, env)
    rows.append((f"plan {resources} (conv.)", resources, wall, cpu, len(requests(base)), rss))
    return rows


def latency_phase(base, env, lat, n=50):
    """The sandbox's own answer time: `n` sequential requests (AxHub's tenant list) against
    the injected latency — what the floors above assume a request costs. Includes this
    script's own HTTP overhead (about 0.3 ms here)."""
    req = urllib.request.Request(f"{base}/axhub/api/v1/tenants", headers={"x-api-key": env["AXHUB_TOKEN"]})
    for _ in range(5):
        urllib.request.urlopen(req).read()
    start = time.monotonic()
    for _ in range(n):
        urllib.request.urlopen(req).read()
    return ("sandbox request", (time.monotonic() - start) / n, lat, n, n, 0)


def start_sandbox(flags):
    """A sandbox on a free port, once it answers: the process, its base URL and its banner."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    banner = tempfile.TemporaryFile(mode="w+")
    sandbox = subprocess.Popen([binary(), "sandbox", "--listen", f"127.0.0.1:{port}", *flags],
                               stdout=banner, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            requests(base)
            break
        except OSError:
            time.sleep(0.05)
    banner.seek(0)
    return sandbox, base, banner.read()


def demo_environment(banner):
    """The emulators' demo credentials, as the sandbox banner prints them (`export A=B ...`)."""
    out = {}
    for line in banner.splitlines():
        words = line.split()
        if words[:1] == ["export"]:
            out.update(w.split("=", 1) for w in words[1:] if "=" in w)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--projects", type=int, default=4)
    ap.add_argument("--stages", type=int, default=5)
    ap.add_argument("--scenarios", type=int, default=5)
    ap.add_argument("--latency-ms", type=int, default=50)
    ap.add_argument("--parallelism", type=int, default=10)
    ap.add_argument("--upload-mib", type=int, default=1024, help="size of the NHN binary upload phase (0 to skip)")
    ap.add_argument("--state", action="store_true", help="run the sandbox with a state file (--state), to measure persistence")
    ap.add_argument("--scale", type=int, nargs="*", default=[10, 100],
                    help="projects of the validate phases (× 10 stages × 9 scenarios + a release each)")
    ap.add_argument("--engine", type=int, nargs="*", default=[10, 100, 200],
                    help="projects of the apply and plan phases without latency (× 10 stages × 9 scenarios + a release each)")
    ap.add_argument("--quick", action="store_true", help="CI-sized: no upload, validate, apply and plan of 1,000 resources only")
    a = ap.parse_args()
    if a.quick:
        a.upload_mib, a.scale, a.engine = 0, [10], [10]
    P, S, C, lat = a.projects, a.stages, a.scenarios, a.latency_ms / 1000
    state_dir = tempfile.TemporaryDirectory()
    state = ["--state", os.path.join(state_dir.name, "state.json")] if a.state else []
    sandbox, base, banner = start_sandbox(["--latency-ms", str(a.latency_ms)] + state)
    engine_rows = []
    try:
        env = dict(os.environ, NO_COLOR="1", **demo_environment(banner))
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "deployplan.yaml"), "w") as f:
                f.write(manifest(f"{base}/ncp-sourcedeploy", P, S, C))
            par = ["--parallelism", str(a.parallelism)]
            rows = []
            # Every plan also checks the infrastructure the manifest names, beside the
            # project list (same round): here the server list and shop-artifacts' objects.
            L = LOOKUPS
            # Empty remote: 1 project list and the lookups; nothing else exists.
            clear(base)
            wall, rss = run([binary(), "plan", *par], d, env)
            rows.append(("plan (empty remote)", wall, 1 * lat, len(requests(base)), 1 + L, rss))
            # Apply: P creates, then P*S, then P*S*C, in three dependent rounds, with
            # `parallelism` in flight. Floor: the rounds' widths ÷ parallelism.
            clear(base)
            wall, rss = run([binary(), "apply", "--auto-approve", *par], d, env)
            creates = P + P * S + P * S * C
            rounds = sum(-(-n // a.parallelism) for n in (P, P * S, P * S * C))
            rows.append(("apply (create all)", wall, (1 + rounds) * lat, len(requests(base)), 1 + L + creates, rss))
            # Converged remote: list projects, per project a stage list, per stage a detail
            # and a scenario list, per scenario a detail; four dependent rounds.
            clear(base)
            wall, rss = run([binary(), "plan", *par], d, env)
            minimum = 1 + L + P + 2 * P * S + P * S * C
            width_rounds = -(-(1 + L) // a.parallelism) + -(-P // a.parallelism) + -(-2 * P * S // a.parallelism) + -(-P * S * C // a.parallelism)
            rows.append(("plan (converged)", wall, width_rounds * lat, len(requests(base)), minimum, rss))
            # A reviewed plan that changes one stage: apply re-reads only that stage and its
            # project (project list, the project's stage list, the stage's detail and
            # scenario list, and beside the project list the server lookup of the stage's
            # edited target), then writes once. Floor: three read rounds and the write.
            with open(os.path.join(d, "deployplan.yaml"), "w") as f:
                f.write(manifest(f"{base}/ncp-sourcedeploy", P, S, C).replace(
                    "[1011, 1012]", "[1011]", 1))
            run([binary(), "plan", "--out", "plan.json", *par], d, env)
            clear(base)
            wall, rss = run([binary(), "apply", "plan.json", *par], d, env)
            rows.append(("apply saved plan", wall, 4 * lat, len(requests(base)), 6, rss))
            # One project, one stage, one scenario: no fan-out hides a round that could
            # have run beside another, so wall/floor shows the critical path itself.
            narrow = os.path.join(d, "narrow")
            os.makedirs(narrow)
            with open(os.path.join(narrow, "deployplan.yaml"), "w") as f:
                f.write(manifest(f"{base}/ncp-sourcedeploy", 1, 1, 1).replace("p0:", "narrow:"))
            run([binary(), "apply", "--auto-approve", *par], narrow, env)
            clear(base)
            wall, rss = run([binary(), "plan", *par], narrow, env)
            rows.append(("plan (1 chain, 1×1×1)", wall, 4 * lat, len(requests(base)), 5 + L, rss))
            rows += github_phases(base, d, env, lat, a.parallelism)
            rows += gitlab_phases(base, d, env, lat, a.parallelism)
            rows += axhub_phases(base, d, env, lat, a.parallelism)
            if a.upload_mib:
                rows.append(upload_phase(base, d, env, a.upload_mib, lat))
            if lat:
                rows.append(latency_phase(base, env, lat))
            for projects in a.scale:
                rows.append(scale_phase(d, env, projects))
            if a.engine:
                engine, engine_base, _ = start_sandbox(["--deploy-waiting-ms", "0", "--deploy-running-ms", "0"])
                try:
                    for projects in a.engine:
                        engine_rows += engine_phases(d, env, engine_base, projects, a.parallelism)
                finally:
                    engine.terminate()
                    engine.wait()
    finally:
        sandbox.terminate()
        sandbox.wait()
        state_dir.cleanup()
    print(f"{P} projects × {S} stages × {C} scenarios = {P + P*S + P*S*C} resources; latency {a.latency_ms} ms; parallelism {a.parallelism}")
    print(f"{'phase':<22}{'wall s':>8}{'floor s':>9}{'wall/floor':>12}{'calls':>7}{'minimum':>9}{'calls/min':>11}{'peak RSS MiB':>14}")
    for name, wall, floor, calls, minimum, rss in rows:
        if not floor:  # no network (or no latency): wall time and memory only
            print(f"{name:<22}{wall:>8.2f}{'–':>9}{'–':>12}{'–':>7}{'–':>9}{'–':>11}{rss/1024:>14.1f}")
            continue
        print(f"{name:<22}{wall:>8.2f}{floor:>9.2f}{wall/floor:>12.2f}{calls:>7}{minimum:>9}{calls/minimum:>11.2f}{rss/1024:>14.1f}")
    if engine_rows:
        print("\nwithout latency, deployments finishing at once (deployplan's own CPU, not the sandbox's):")
        print(f"{'phase':<22}{'wall s':>8}{'CPU s':>8}{'CPU µs/res.':>13}{'calls':>7}{'peak RSS MiB':>14}")
        for name, resources, wall, cpu, calls, rss in engine_rows:
            print(f"{name:<22}{wall:>8.2f}{cpu:>8.2f}{cpu / resources * 1e6:>13.0f}{calls:>7}{rss/1024:>14.1f}")


if __name__ == "__main__":
    main()
