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

/// The Java console's export is GBK (`exportConfig.jsp`: `charset=GBK`), and TBSchedule's own
/// demo data holds Chinese parameters: such a file is read as GBK, not refused (nor imported
/// with its Chinese replaced).
#[test]
fn a_java_console_export_in_gbk_is_read() {
    use tbdesk_model::records::TaskType;
    use tbdesk_model::transfer::{Config, Entry};
    let t = TaskType { task_parameter: Some("AREA=@@,YEAR>30".into()), ..tbdesk_tests::quick_task_type("Job", 2) };
    let mut c = Config::default();
    c.task_types.insert("Job".into(), Entry { blob: t.encode(), version: Some(1) });
    let lines = c.to_java_lines("/r");
    let (a, b) = lines.split_once("@@").expect("placeholder");
    // 杭州 in GBK.
    let bytes = [a.as_bytes(), &[0xBA, 0xBC, 0xD6, 0xDD], b.as_bytes()].concat();
    assert!(std::str::from_utf8(&bytes).is_err(), "not UTF-8");
    let dir = tempfile::tempdir().expect("dir");
    let f = dir.path().join("export.txt");
    std::fs::write(&f, bytes).expect("write");
    let text = read_import_file(&f).expect("GBK read");
    let read = Config::parse(&text).expect("parse");
    let t = TaskType::decode(read.task_types["Job"].blob.as_bytes()).expect("decode");
    assert_eq!(t.task_parameter.as_deref(), Some("AREA=杭州,YEAR>30"));
}
