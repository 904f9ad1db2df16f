#!/usr/bin/env python3
"""Drive a GitLab API (the sandbox's emulator, or any GitLab) with python-gitlab.

python-gitlab is a widely used GitLab client, written apart from this project. If it can
read and change environments, deployments and protected environments through an API, that API
speaks GitLab's wire format as real clients expect it: paths with URL-encoded project
ids, `Link`/`x-next-page` pagination, status codes, JSON shapes.

    python3 scripts/python-gitlab/check.py --url http://127.0.0.1:PORT/gitlab --token TOKEN

Prints one summary line per step and exits 0; on any failure it names the step and
exits 1. The token is never printed.
"""

import argparse
import sys
import time

try:
    import gitlab
    import requests
except ImportError:  # pragma: no cover - reported, not hidden
    sys.exit("python-gitlab is not installed: pip install -r scripts/python-gitlab/requirements.txt")


class CheckFailed(Exception):
    """A step answered, but not as GitLab does."""


def expect(condition, message):
    if not condition:
        raise CheckFailed(message)


def ids(objects):
    return [o.get_id() for o in objects]


def check_environments(project, name):
    """Create, page through, update and stop an environment."""
    created = project.environments.create({"name": name, "external_url": "https://check.example.com", "tier": "staging"})
    expect(created.name == name, f"created environment is named {created.name!r}, not {name!r}")
    expect(isinstance(created.id, int), f"environment id {created.id!r} is not a number")
    print(f"environment created: {created.name} (id {created.id}, state {created.state})")
    # A second one, so that listing one per page takes at least two pages.
    project.environments.create({"name": f"{name}-other"})

    # One per page, so that every page after the first is reached through the answer's
    # pagination headers, by both of python-gitlab's ways of listing.
    every = project.environments.list(get_all=True, per_page=1)
    lazily = list(project.environments.list(iterator=True, per_page=1))
    expect(len(every) >= 2, f"expected at least the two new environments, got {len(every)}")
    expect(ids(every) == ids(lazily), f"get_all and iterator disagree: {ids(every)} vs {ids(lazily)}")
    expect(len(set(ids(every))) == len(every), f"an environment came twice: {ids(every)}")
    expect(created.id in ids(every), f"environment {created.id} is not listed: {ids(every)}")
    by_name = project.environments.list(name=name, get_all=True)
    expect(ids(by_name) == [created.id], f"name={name} lists {ids(by_name)}")
    print(f"environments listed: {len(every)} over {len(every)} pages, same by iterator")

    fetched = project.environments.get(created.id)
    fetched.external_url = "https://check-updated.example.com"
    fetched.save()
    again = project.environments.get(created.id)
    expect(again.external_url == "https://check-updated.example.com", f"external_url is {again.external_url!r} after update")
    print(f"environment updated: external_url {again.external_url}")

    again.stop()
    stopped = project.environments.get(created.id)
    expect(stopped.state in ("stopping", "stopped"), f"state {stopped.state!r} after stop")
    print(f"environment stopped: state {stopped.state}")
    return created


def check_deployments(project, environment):
    """Create a deployment on the default branch's head and finish it."""
    branch = project.branches.get(project.default_branch)
    sha = branch.commit["id"]
    before = project.deployments.list(get_all=True, per_page=2)
    deployment = project.deployments.create(
        {"environment": environment, "sha": sha, "ref": branch.name, "tag": False, "status": "running"}
    )
    expect(deployment.status == "running", f"new deployment is {deployment.status!r}")
    expect(deployment.sha == sha and deployment.ref == branch.name, f"deployment of {deployment.ref}@{deployment.sha}")
    expect(deployment.environment["name"] == environment, f"deployment went to {deployment.environment!r}")
    print(f"deployment created: id {deployment.id} iid {deployment.iid} on {environment} ({branch.name}@{sha[:8]})")

    after = project.deployments.list(get_all=True, per_page=2)
    expect(len(after) == len(before) + 1, f"{len(before)} deployments before, {len(after)} after")
    filtered = project.deployments.list(environment=environment, get_all=True)
    expect(deployment.id in ids(filtered), f"environment={environment} lists {ids(filtered)}")
    print(f"deployments listed: {len(after)} in all, {len(filtered)} on {environment}")

    deployment.status = "success"
    deployment.save()
    done = project.deployments.get(deployment.id)
    expect(done.status == "success", f"status {done.status!r} after update")
    print(f"deployment updated: status {done.status}")


def check_protected_environments(project):
    """List protected environments through python-gitlab's own manager."""
    protected = project.protected_environments.list(get_all=True)
    for entry in protected:
        expect(isinstance(entry.deploy_access_levels, list), f"{entry.name}: deploy_access_levels is not a list")
    names = ", ".join(p.name for p in protected) or "none"
    print(f"protected environments listed: {len(protected)} ({names})")


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="GitLab base URL, without /api/v4")
    parser.add_argument("--token", required=True, help="personal, project or group access token")
    parser.add_argument("--project", default="acme/platform/shop", help="full path of the project")
    args = parser.parse_args(argv)

    gl = gitlab.Gitlab(args.url, private_token=args.token, timeout=30, retry_transient_errors=True)
    step = "project"
    try:
        project = gl.projects.get(args.project)
        expect(project.path_with_namespace == args.project, f"got project {project.path_with_namespace!r}")
        print(f"project: {project.path_with_namespace} (id {project.id}, default branch {project.default_branch})")
        step = "environments"
        name = f"check-{int(time.time() * 1000) % 10**9}"
        check_environments(project, name)
        step = "deployments"
        check_deployments(project, name)
        step = "protected environments"
        check_protected_environments(project)
    except gitlab.GitlabError as error:
        print(f"FAILED at {step}: HTTP {error.response_code}: {error.error_message}", file=sys.stderr)
        return 1
    except requests.RequestException as error:
        print(f"FAILED at {step}: no answer: {type(error).__name__}", file=sys.stderr)
        return 1
    except CheckFailed as error:
        print(f"FAILED at {step}: {error}", file=sys.stderr)
        return 1
    print("python-gitlab check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
