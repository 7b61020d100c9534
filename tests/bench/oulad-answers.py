#!/usr/bin/env python3
"""oulad-answers.py — OULAD's assessment results as qingfeng quiz answers.

    oulad-answers.py OULAD_DIR DB

Fills a database made by `qingfeng-admin --db DB init` so that `qingfeng-train
mastery --db DB --evaluate` traces knowledge on real answers: each student a
cadre, each assessment (computer-marked quizzes, tutor-marked assignments,
exams) a standalone question tagged with its module as the discipline, each
submitted score an answer, right when it reaches 40 (the Open University's
pass mark), dated by the day it was submitted counted from its presentation's
start (2013B: February 2013, 2013J: October 2013, 2014B, 2014J likewise).
Banked scores (carried over from an earlier presentation) and missing scores
are left out. Kuzilek, Hlosta, Zdrahal, Scientific Data 4, 170171 (2017),
CC BY 4.0. Prints what it loaded.
"""
import csv
import datetime
import os
import sqlite3
import sys

PASS_MARK = 40


def rows(path):
    with open(path, newline='', encoding='utf-8') as f:
        yield from csv.DictReader(f)


def presentation_start(code):
    month = 2 if code.endswith('B') else 10
    start = datetime.datetime(int(code[:4]), month, 1, tzinfo=datetime.timezone.utc)
    return int(start.timestamp())


def main():
    if len(sys.argv) != 3:
        sys.exit('usage: oulad-answers.py OULAD_DIR DB')
    data, db_path = sys.argv[1:]
    db = sqlite3.connect(db_path)
    db.execute('PRAGMA foreign_keys = ON')
    assessments = {}
    for r in rows(os.path.join(data, 'assessments.csv')):
        assessments[int(r['id_assessment'])] = (r['code_module'], r['code_presentation'],
                                                r['assessment_type'])
    modules = sorted({m for m, _, _ in assessments.values()})
    with db:
        db.execute("INSERT INTO units(name) VALUES ('Open University')")
        unit = db.execute('SELECT last_insert_rowid()').fetchone()[0]
        db.executemany("INSERT INTO tags(code, kind, label) VALUES (?, 'discipline', ?)",
                       [('oulad.' + m.lower(), m) for m in modules])
        for qid, (module, presentation, kind) in sorted(assessments.items()):
            db.execute("INSERT INTO questions(id, type, stem, choices, answer)"
                       " VALUES (?, 'truefalse', ?, '[\"通过\",\"未通过\"]', '[0]')",
                       (qid, f'{module} {presentation} {kind} {qid}'))
            db.execute('INSERT INTO question_tags(question_id, tag_code) VALUES (?, ?)',
                       (qid, 'oulad.' + module.lower()))
        students, answers, skipped = set(), [], 0
        for r in rows(os.path.join(data, 'studentAssessment.csv')):
            qid = int(r['id_assessment'])
            score = r['score'].strip().strip('"')
            if r['is_banked'].strip('"') == '1' or score in ('', '?') or qid not in assessments:
                skipped += 1
                continue
            student = int(r['id_student'])
            students.add(student)
            day = int(r['date_submitted'].strip('"'))
            at = presentation_start(assessments[qid][1]) + day * 86400 + 12 * 3600
            right = float(score) >= PASS_MARK
            answers.append((student, qid, '[0]' if right else '[1]', int(right), at))
        db.executemany("INSERT INTO users(id, login, password_hash, name, role, unit_id)"
                       " VALUES (?, ?, '-', ?, 'cadre', ?)",
                       [(s, f'oulad-{s}', f'学员{s}', unit) for s in sorted(students)])
        answers.sort(key=lambda a: (a[0], a[4], a[1]))
        db.executemany('INSERT INTO answers(user_id, question_id, choice, correct, created_at)'
                       ' VALUES (?, ?, ?, ?, ?)', answers)
    right = sum(a[3] for a in answers)
    print(f'oulad: {len(students)} students, {len(assessments)} assessments in '
          f'{len(modules)} modules, {len(answers)} answers ({right / len(answers):.1%} at or '
          f'above {PASS_MARK}), {skipped} banked or missing left out')


if __name__ == '__main__':
    main()
