#!/usr/bin/env python3
"""Writes crates/model/tests/gson-2.1.tsv: hostile node texts and what TBSchedule 3.3.3.2's
own gson 2.1 made of each (tests/peer/GsonOracle.java on the java peer kit's classpath).

    PEER_HOME=~/.cache/tbs-peer python3 tests/peer/gson-cases.py

Each line: record, the node's text as a JSON string literal, Java's verdict. The model's test
reads every line with tbdesk's decoders and compares; the java peer group runs the oracle
again over the file and requires the same verdicts, so the file cannot drift from gson.
"""
import json, os, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', '..', 'crates', 'model', 'tests', 'gson-2.1.tsv')
cases = []

def add(rec, text):
    cases.append((rec, text))

INTS = ['5', '"5"', '"+5"', '"-05"', '-0', '"-0"', '0', '00', '05', '"05"', '"00"', '" 5"', '"5 "', '"\\t5"', '"5."',
        '".5e1"', '"0.5e1"', '1.0', '1e1', '"1e1"', '1.5', '"1.5"', '"0x10"', '"0x1p3"', '"５"', '"٣"', '"-２"',
        '"2147483647"', '"2147483648"', '"-2147483648"', '"-2147483649"', '"2147483647.0"', '1e10', '"NaN"',
        '"Infinity"', '"-Infinity"', 'NaN', '"1e-400"', '"5.0f"', '"5d"', '"1_0"', '""', '" "', 'true', '"true"',
        'null', 'NULL', '[]', '[5]', '{}', 'abc', '5d', '0e5', '"0e5"', '-1e0', '"  -7  "', '"𝟓"']
LONGS = ['5000', '"05000"', '05000', '9223372036854775807', '9223372036854775808', '"9223372036854775808"',
         '9223372036854775809', '9223372036854777000', '9223372036854776833', '-9223372036854775808',
         '-9223372036854775809', '-9223372036854777000', '1e19', '-1e19', '1e18', '"٥"', '"1e3"', '1.5', '"x"', 'false']
DOUBLES = ['1', '1.5', '"2.5"', '"05"', '"0.5"', '00.5', '0.5', '"1e999"', '"-1e999"', 'NaN', 'Infinity', '-Infinity',
           '"NaN"', '"nan"', 'nan', '"inf"', '"0x1p3"', '"0x1P-3"', '"1d"', '"1F"', '"٣"', '".5"', '"5."', '"0"',
           '"0.0"', '"+1"', '" 1 "', '"\\u00a01"', '""', 'true', '"TRUE"', 'null', '[]', '{}', '-0.0', '"-0"', '1e-400']
BOOLS = ['true', 'false', 'TRUE', 'fAlse', '"true"', '"TRUE"', '"True"', '"yes"', '"1"', '""', '"true "', 'null',
         '1', '0', '05', '1.5x', 'yes', '[]', '{}', '"false"']
STRS = ['"x"', 'x', "'x'", '1.50', '1e2', '-0', '05', 'true', 'TRUE', 'Null', 'nULL', '[]', '{}', '["x"]', '"a\\x"',
        '"\\u4e2d\\u6587"', '"中文"', '"tab\there"', '"nl\nhere"', '"\\ud83d\\ude00"', '"\\u002B"', '"\\/"', "'it\\'s'",
        '"\\u+04e"', 'a"b', 'x#y', 'x/y', '"', '"x', '"\\u12"', '"\\u12', '"\\"', 'x y', "'x\"y'", '""', "''"]
ARRS = ['["a","b"]', '[]', '[a,b]', "['a';'b']", '[1,true,1.50]', '[1,]', '[,1]', '[1,,2]', '[1;;2]', '["a",null]',
        '[null]', '[[1]]', '[{}]', '"a"', '1', 'true', '{}', 'null', '[a b]', '[1', '[ ]', '[,]']
TIMES = ['"2024-01-05 01:02:03"', '"2024-1-5 1:2:3"', '"2024-13-45 99:99:99"', '"2024-01-05 01:02:03xyz"',
         '" 2024-01-05 01:02:03"', '"\\t2024-01-05 01:02:03"', '"2024-01-05"', '"2024-01-05T01:02:03"', '20240105',
         '"-2024-01-05 01:02:03"', '"+2024-01-05 01:02:03"', 'true', '"2024-01-05  01:02:03"', '"2024 -01-05 01:02:03"',
         '"２０２４-01-05 01:02:03"', '"2024-01-05 01:02"', '"2024-01-05 01:02:"', '"2024-01-05\\t01:02:03"',
         '"2024-01-05 01 :02:03"', '"2024-01-05 01: 02:03"', '"2024--01-05 01:02:03"', '"2024-01-05 01:02:-3"',
         '"2024/01/05 01:02:03"', '" "', '""', '"\\u00a02024-01-05 01:02:03"', '"2024-01-05 01:02:03.999"', '1.5',
         '{}', '[]', 'null', '"99999999999-01-05 01:02:03"', '"2024-1.5-05 01:02:03"']
KINDS = ['"Schedule"', '"Java"', '"Bean"', '"schedule"', '"Other"', 'Schedule', '1', 'true', 'null', '[]', '""']

FIELDS = {
    'strategy': [('strategyName', STRS), ('IPList', ARRS), ('numOfSingleServer', INTS), ('assignNum', INTS),
                 ('kind', KINDS), ('sts', STRS)],
    'runtime': [('requestNum', INTS), ('currentNum', INTS), ('kind', KINDS), ('message', STRS[:8])],
    'tasktype': [('baseTaskType', STRS), ('heartBeatRate', LONGS + INTS), ('threadNumber', INTS),
                 ('expireOwnSignInterval', DOUBLES), ('taskItems', ARRS), ('processorType', ['null', '"NOTSLEEP"', '1']),
                 ('taskKind', ['null', '"dynamic"']), ('version', LONGS)],
    'server': [('id', LONGS), ('threadNum', INTS[:20]), ('isRegister', BOOLS), ('registerTime', TIMES),
               ('heartBeatTime', TIMES[:6]), ('centerServerTime', TIMES[:6]), ('managerFactoryUUID', STRS[:6])],
}
for rec, fields in FIELDS.items():
    for name, values in fields:
        for v in values:
            add(rec, '{"%s":%s}' % (name, v))

T = 'tasktype'
for doc in ['{}', '', ' ', '\n', 'null', 'NULL', '[]', '"x"', '1', 'true', '{baseTaskType:"u"}', "{'baseTaskType'='v'}",
            '{"baseTaskType"=>"w";"threadNumber":3}', ')]}\'\n{"baseTaskType":"p"}', ')]}\'{"baseTaskType":"p"}',
            '{"baseTaskType":"a",}', ' {"baseTaskType":"b"}  ', '{"baseTaskType":"c"}{', '{"baseTaskType":"c"} {}',
            '{"baseTaskType":"c"} x', '{"baseTaskType":"c"} /*x*/', '{"baseTaskType":"c"} # x', '{"baseTaskType":"c"}\n\n',
            '/*x*/{"baseTaskType":"d"}', '# x\n{"baseTaskType":"d"}', '// x\n{"baseTaskType":"d"}', '/* open {',
            '{"baseTaskType":"a","baseTaskType":null}', '{"threadNumber":"x","threadNumber":2}',
            '{"threadNumber":2,"threadNumber":null}', '{"threadNumber":1,"threadNumber":2}', '{"sts":null}',
            '{"processorType":null,"processorType":"NOTSLEEP"}', '{"baseTaskType" "x"}', '{"baseTaskType":}',
            '{"baseTaskType":"x" "threadNumber":1}', '{"unknown":{"deep":[1,{"x":[]}]},"baseTaskType":"k"}',
            '{"unknown":[1 2]}', '{"unknown":NaN,"baseTaskType":"k"}', '{"unknown":\'q\',"baseTaskType":"k"}',
            '{"a":1}garbage', '\ufeff{"baseTaskType":"bom"}', '{"baseTaskType":"x"}\u00a0', '{,}', '{"a":1;}',
            '{"baseTaskType":"x"\n,\r\n"threadNumber":\t7}', '{"baseTaskType":"x"\x0c}', '{"baseTaskType":x\x0cy}',
            ' \ufeff{"baseTaskType":"a"}', '\ufeff\ufeff{"baseTaskType":"a"}', '\ufeff {"baseTaskType":"a"}',
            '{"baseTaskType":\ufeff"a"}', '{\ufeff"baseTaskType":"a"}', '{"baseTaskType":"\\u\uff21000"}',
            '{"baseTaskType":"\\u00E9"}', '{"baseTaskType":"\\u-001"}', '\ufeff', '/*x*/\ufeff{"baseTaskType":"a"}',
            '[' * 300 + ']' * 300, '{"u":' + '[' * 200 + ']' * 200 + ',"baseTaskType":"deep"}']:
    add(T, doc)

def oracle(lines):
    home = os.environ.get('PEER_HOME', os.path.expanduser('~/.cache/tbs-peer'))
    cp = open(os.path.join(home, 'classpath')).read().strip()
    inp = ''.join(f'{r}\t{j}\n' for r, j in lines)
    out = subprocess.run(['java', '-cp', cp, os.path.join(HERE, 'GsonOracle.java')], input=inp.encode(),
                         capture_output=True, check=True).stdout.decode().splitlines()
    assert len(out) == len(lines), (len(out), len(lines))
    return out

lines = [(r, json.dumps(t, ensure_ascii=True)) for r, t in cases]
verdicts = oracle(lines)
with open(OUT, 'w') as f:
    f.write('# record\tnode text (a JSON string literal)\twhat gson 2.1 and TBSchedule 3.3.3.2 read: ERR, NULL, or OK and every field\n')
    f.write('# written by tests/peer/gson-cases.py from the real classes; do not edit by hand\n')
    for (r, j), v in zip(lines, verdicts):
        f.write(f'{r}\t{j}\t{v}\n')
print(f'{len(lines)} cases -> {os.path.relpath(OUT)}', file=sys.stderr)
