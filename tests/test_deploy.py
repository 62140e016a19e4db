"""PUBLISH: the CI workflow that builds the blog and deploys it to GitHub Pages."""

from __future__ import annotations

from checkers import REPO, check_workflow


def test_deploy_workflow_matches_the_github_schema() -> None:
    workflow = REPO / ".github" / "workflows" / "deploy.yml"
    done = check_workflow(workflow)
    assert done.returncode == 0, done.stdout + done.stderr
    text = workflow.read_text(encoding="utf-8")
    for needed in ("actions/configure-pages", "actions/upload-pages-artifact",
                   "actions/deploy-pages", "--base-url", "pip install -r requirements.txt",
                   "blogkit check", ".blogkit-cache", "~/.cache/blogkit"):
        assert needed in text, needed


def test_this_repository_deploys_with_the_workflow_new_sites_get() -> None:
    # One workflow: `blogkit new site` writes blogkit/starter/deploy.yml; this repository
    # (itself a blog) uses the same file, its requirements.txt naming the checkout (`.`).
    ours = REPO / ".github" / "workflows" / "deploy.yml"
    assert ours.read_bytes() == (REPO / "blogkit" / "starter" / "deploy.yml").read_bytes()
    assert (REPO / "requirements.txt").read_text(encoding="utf-8").split() == ["."]
