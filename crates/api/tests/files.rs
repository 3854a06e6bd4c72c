//! Import files are read bounded, whatever their metadata says.

use tbdesk_api::{read_import_file, ErrorCode, MAX_IMPORT_BYTES};

#[test]
fn an_endless_import_file_is_refused_not_read_to_the_end() {
    // A device never ends (and a FIFO blocks): neither is read.
    let e = read_import_file(std::path::Path::new("/dev/zero")).expect_err("refused");
    assert_eq!(e.code, ErrorCode::Invalid);
    assert!(e.message.contains("not a regular file") && e.message.contains("/dev/zero"), "{}", e.message);
    let dir = tempfile::tempdir().expect("dir");
    // A file that grows while read is cut at the cap: a sparse one a byte over it.
    let over = dir.path().join("over.json");
    std::fs::File::create(&over).and_then(|f| f.set_len(MAX_IMPORT_BYTES + 1)).expect("sparse");
    let e = read_import_file(&over).expect_err("refused");
    assert!(e.message.contains("longer than"), "{}", e.message);
    let at_cap = dir.path().join("cap.json");
    std::fs::write(&at_cap, vec![b' '; MAX_IMPORT_BYTES as usize]).expect("write");
    assert_eq!(read_import_file(&at_cap).expect("at the cap").len() as u64, MAX_IMPORT_BYTES);
    let binary = dir.path().join("bin.json");
    std::fs::write(&binary, [0xff, 0xfe, 0x00]).expect("write");
    assert!(read_import_file(&binary).expect_err("not text").message.contains("UTF-8"));
    tbdesk_tests::report::record(
        "console writes",
        "import files: /dev/zero, one a byte over 16 MiB, one of exactly 16 MiB, one that is not UTF-8",
        4,
        "a device refused unread; past 16 MiB refused while reading; the cap read; not text refused",
    );
}
