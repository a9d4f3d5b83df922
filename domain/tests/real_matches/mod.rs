//! The real matches the repository holds: the 30 files of `data/cricsheet/` and the 325 of the
//! packed `data/cricsheet-corpus/`, read as `(name, json)` in name order.

// Each test crate that includes this module uses a part of it.
#![allow(dead_code)]

use std::path::PathBuf;

pub const CORPUS_FILES: usize = 325;
pub const BUNDLED_FILES: usize = 30;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data")
}

/// The 30 bundled files, by name, in name order.
pub fn bundled() -> Vec<(String, String)> {
    let dir = data_dir().join("cricsheet");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".json") && name != "expected_totals.json")
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let json = std::fs::read_to_string(dir.join(&name)).unwrap();
            (format!("cricsheet/{name}"), json)
        })
        .collect()
}

/// The corpus, read from its archive in memory: unpacked it would be 46 MB in the repository.
pub fn corpus() -> Vec<(String, String)> {
    let packed = std::fs::read(data_dir().join("cricsheet-corpus/cricsheet-corpus.tar.xz"))
        .expect("the packed corpus");
    let mut tarball = vec![];
    lzma_rs::xz_decompress(&mut packed.as_slice(), &mut tarball).expect("a valid .tar.xz");
    let mut archive = tar::Archive::new(tarball.as_slice());
    let mut files = vec![];
    for entry in archive.entries().expect("a tar archive") {
        let mut entry = entry.expect("a tar entry");
        let path = entry.path().expect("an entry path").into_owned();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let mut json = String::new();
        std::io::Read::read_to_string(&mut entry, &mut json).expect("a UTF-8 match file");
        files.push((path.to_string_lossy().into_owned(), json));
    }
    files.sort();
    files
}
