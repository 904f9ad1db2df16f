//! A record's `link:` names a declared release of any provider: resolved to the release's
//! address (an edge too), and every other target is a located error before any request.

use std::path::Path;

use super::article;
use crate::model::Address;
use crate::providers::registry;

const HEAD: &str = "providers:
  nhn:
    type: nhn-deploy
    endpoint: sandbox
  echo:
    type: stub-echo
    endpoint: sandbox
nhn-deploy:
  releases:
    web-prod:
      artifact: shop
      server_group: web-prod
      version: \"1.0\"
    web-staging:
      artifact: shop
      server_group: web-staging
      version: \"1.0\"
stub-echo:
  things:
    other:
      size: 1
";

fn load(dir: &Path, things: &str) -> Result<crate::manifest::LoadedManifest, String> {
    std::fs::write(dir.join("deployplan.yaml"), format!("{HEAD}{things}")).unwrap();
    crate::manifest::load(dir, None, &|_| None, registry::language()).map_err(|d| {
        d.0.iter()
            .map(|e| {
                let at = e.location.as_ref().map(|(_, l, c)| format!("{l}:{c}"));
                format!("{} at {:?}; {:?}", e.message, at, e.help)
            })
            .collect::<Vec<_>>()
            .join("\n")
    })
}

#[test]
fn a_link_to_a_release_is_followed_and_ordered_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let loaded = load(
        dir.path(),
        "    record:\n      size: 2\n      link: nhn.release.web-prod\n",
    )
    .unwrap();
    let record = (loaded.resources.iter())
        .find(|r| r.address.as_str() == "echo.thing.record")
        .unwrap();
    let release = Address("nhn.release.web-prod".into());
    assert_eq!(record.follows.as_ref(), Some(&release));
    assert!(
        record.depends_on.contains(&release),
        "{:?}",
        record.depends_on
    );
    let other = (loaded.resources.iter())
        .find(|r| r.address.as_str() == "echo.thing.other")
        .unwrap();
    assert_eq!(other.follows, None);
}

#[test]
fn a_link_to_an_unknown_address_is_located_with_the_closest_release() {
    let dir = tempfile::tempdir().unwrap();
    let errors = load(
        dir.path(),
        "    record:\n      size: 2\n      link: nhn.release.web-prd\n",
    )
    .unwrap_err();
    assert!(
        errors.contains("`echo.thing.record` links to unknown release `nhn.release.web-prd`")
            && errors.contains("at Some(\"24:13\")")
            && errors.contains("did you mean `nhn.release.web-prod`?"),
        "{errors}"
    );
}

#[test]
fn a_link_to_something_that_is_not_a_release_lists_the_releases() {
    let dir = tempfile::tempdir().unwrap();
    let errors = load(
        dir.path(),
        "    record:\n      size: 2\n      link: echo.thing.other\n    second:\n      size: 2\n      link: echo.thing.second\n",
    )
    .unwrap_err();
    assert!(
        errors.contains("`echo.thing.record` links to `echo.thing.other`, a thing, not a release")
            && article("environment") == "an"
            && errors.contains("releases: nhn.release.web-prod, nhn.release.web-staging"),
        "{errors}"
    );
    assert!(
        errors.contains("`echo.thing.second` links to `echo.thing.second`, a thing"),
        "every bad link is reported at once: {errors}"
    );
}
