"""PUBLISH: the CI workflow that builds the blog and deploys it to GitHub Pages."""

from __future__ import annotations

from checkers import REPO, check_workflow


def test_deploy_workflow_matches_the_github_schema() -> None:
    workflow = REPO / ".github" / "workflows" / "deploy.yml"
    done = check_workflow(workflow)
    assert done.returncode == 0, done.stdout + done.stderr
    text = workflow.read_text(encoding="utf-8")
    for needed in ("actions/configure-pages", "actions/upload-pages-artifact",
                   "actions/deploy-pages", "--base-url", "pip install .",
                   "blogkit/katex/package-lock.json", ".blogkit-cache", "~/.cache/blogkit"):
        assert needed in text, needed
