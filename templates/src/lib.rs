//! The templates of the `strata` CLI, embedded so they ship inside the binary.
//!
//! One folder per generator under `files/`:
//!
//! | folder | generator | writes |
//! |---|---|---|
//! | `new/` | `strata new` | a whole app |
//! | `resource/` | `strata generate resource` | a domain module, a migration, a test file |
//! | `job/` | `strata generate job` | a job module |
//! | `migration/` | `strata generate migration` | an empty migration |
//!
//! Each folder holds a `manifest.toml` (the header of the generator: which
//! template goes to which path, and which text is injected at which marker
//! comment) and the minijinja templates it names. Paths in the manifest are
//! templates too. A project overrides any of these files by putting its own at
//! `.strata/templates/<folder>/<file>`.
//!
//! ```
//! let manifest = strata_templates::get("job/manifest.toml").unwrap();
//! assert!(manifest.contains("[[file]]"));
//! ```

use include_dir::{Dir, include_dir};

static FILES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/files");

/// The generators that have a folder of templates.
pub const GENERATORS: [&str; 4] = ["new", "resource", "job", "migration"];

/// The embedded text of `path` (e.g. `resource/model.rs.j2`), if there is such a file.
pub fn get(path: &str) -> Option<&'static str> {
    FILES.get_file(path)?.contents_utf8()
}

/// The paths of every embedded file of `generator`, sorted.
pub fn list(generator: &str) -> Vec<&'static str> {
    let mut paths: Vec<&'static str> = FILES
        .get_dir(generator)
        .map(|dir| {
            dir.files()
                .filter_map(|file| file.path().to_str())
                .collect()
        })
        .unwrap_or_default();
    paths.sort_unstable();
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_generator_has_a_manifest() {
        for generator in GENERATORS {
            let manifest = format!("{generator}/manifest.toml");
            assert!(get(&manifest).is_some(), "{manifest} is missing");
            assert!(list(generator).contains(&manifest.as_str()));
        }
    }

    #[test]
    fn unknown_paths_are_none() {
        assert!(get("nope/manifest.toml").is_none());
        assert!(list("nope").is_empty());
    }
}
