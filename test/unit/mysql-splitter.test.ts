import { describe, it, expect } from 'vitest';
import { splitMysqlScript } from '../../src/dialects/mysql/splitter.js';
import type { SqlStatement } from '../../src/dialects/dialect.js';
import { ScriptError } from '../../src/errors.js';

const FILE = 'V4__x.sql';

/** Scripts keep their backslashes as written: `\'` below is two characters, as in the .sql file. */
const sql = String.raw;
// Backticks cannot appear in the sql`` templates below, so the names holding them come in through ${}.
const USERS = '`users`';
const ID = '`id`';
const NAME = '`name`';
const ADMIN = '`admin`';
const ANY_HOST = '`%`';
const END = '`end`';

function stmt(text: string, line: number): SqlStatement {
  return { sql: text, line, nonTransactional: false };
}

function splitError(script: string): ScriptError {
  try {
    splitMysqlScript(script, FILE);
  } catch (error) {
    if (error instanceof ScriptError) return error;
    throw error;
  }
  throw new Error('expected the script to be refused');
}

interface SplitCase {
  name: string;
  script: string;
  expected: SqlStatement[];
}

const splitCases: SplitCase[] = [
  {
    name: 'mysqldump output: header comments, executable comments, escaped strings',
    script: sql`-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)
--
-- Host: localhost    Database: app
-- ------------------------------------------------------
-- Server version	8.0.36

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET NAMES utf8 */;
/*!40103 SET TIME_ZONE='+00:00' */;
/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;

--
-- Table structure for table ${USERS}
--

DROP TABLE IF EXISTS ${USERS};
/*!40101 SET @saved_cs_client     = @@character_set_client */;
CREATE TABLE ${USERS} (
  ${ID} int NOT NULL AUTO_INCREMENT,
  ${NAME} varchar(100) DEFAULT NULL,
  PRIMARY KEY (${ID})
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
/*!40101 SET character_set_client = @saved_cs_client */;

LOCK TABLES ${USERS} WRITE;
/*!40000 ALTER TABLE ${USERS} DISABLE KEYS */;
INSERT INTO ${USERS} VALUES (1,'O\'Brien; Pat'),(2,'say \"hi\";'),(3,'C:\\'),(4,'back\\slash;');
/*!40000 ALTER TABLE ${USERS} ENABLE KEYS */;
UNLOCK TABLES;
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;

-- Dump completed on 2024-05-01 12:00:00
`,
    expected: [
      stmt('/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */', 7),
      stmt('/*!40101 SET NAMES utf8 */', 8),
      stmt(`/*!40103 SET TIME_ZONE='+00:00' */`, 9),
      stmt('/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */', 10),
      stmt('DROP TABLE IF EXISTS `users`', 16),
      stmt('/*!40101 SET @saved_cs_client     = @@character_set_client */', 17),
      stmt(
        'CREATE TABLE `users` (\n  `id` int NOT NULL AUTO_INCREMENT,\n  `name` varchar(100) DEFAULT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4',
        18,
      ),
      stmt('/*!40101 SET character_set_client = @saved_cs_client */', 23),
      stmt('LOCK TABLES `users` WRITE', 25),
      stmt('/*!40000 ALTER TABLE `users` DISABLE KEYS */', 26),
      stmt(sql`INSERT INTO ${USERS} VALUES (1,'O\'Brien; Pat'),(2,'say \"hi\";'),(3,'C:\\'),(4,'back\\slash;')`, 27),
      stmt('/*!40000 ALTER TABLE `users` ENABLE KEYS */', 28),
      stmt('UNLOCK TABLES', 29),
      stmt('/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */', 30),
    ],
  },
  {
    name: 'mysqldump trigger: DELIMITER ;; and a body inside executable comments',
    script: [
      "/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;",
      "/*!50003 SET sql_mode              = 'STRICT_TRANS_TABLES' */ ;",
      'DELIMITER ;;',
      '/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER `users_bi` BEFORE INSERT ON `users` FOR EACH ROW BEGIN',
      '  SET NEW.name = TRIM(NEW.name);',
      'END */;;',
      'DELIMITER ;',
      '/*!50003 SET sql_mode              = @saved_sql_mode */ ;',
    ].join('\n'),
    expected: [
      stmt('/*!50003 SET @saved_sql_mode       = @@sql_mode */', 1),
      stmt("/*!50003 SET sql_mode              = 'STRICT_TRANS_TABLES' */", 2),
      stmt(
        '/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER `users_bi` BEFORE INSERT ON `users` FOR EACH ROW BEGIN\n  SET NEW.name = TRIM(NEW.name);\nEND */',
        4,
      ),
      stmt('/*!50003 SET sql_mode              = @saved_sql_mode */', 8),
    ],
  },
  {
    name: 'mysqldump view: several executable comments on several lines make one statement',
    script: [
      '/*!50001 DROP VIEW IF EXISTS `v`*/;',
      '/*!50001 CREATE ALGORITHM=UNDEFINED */',
      '/*!50013 DEFINER=`root`@`localhost` SQL SECURITY DEFINER */',
      "/*!50001 VIEW `v` AS select `t`.`a` AS `a` from `t` where (`t`.`b` = ';') */;",
      '/*!50001 SET character_set_client      = @saved_cs_client */;',
    ].join('\n'),
    expected: [
      stmt('/*!50001 DROP VIEW IF EXISTS `v`*/', 1),
      stmt(
        "/*!50001 CREATE ALGORITHM=UNDEFINED */\n/*!50013 DEFINER=`root`@`localhost` SQL SECURITY DEFINER */\n/*!50001 VIEW `v` AS select `t`.`a` AS `a` from `t` where (`t`.`b` = ';') */",
        2,
      ),
      stmt('/*!50001 SET character_set_client      = @saved_cs_client */', 5),
    ],
  },
  {
    name: 'an executable comment holding ; with the default delimiter stays whole',
    script: '/*!50003 CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN SET NEW.a = 1; END */;\nSELECT 1;',
    expected: [
      stmt('/*!50003 CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN SET NEW.a = 1; END */', 1),
      stmt('SELECT 1', 2),
    ],
  },
  {
    name: 'procedure between DELIMITER $$ and DELIMITER ;, with END$$ glued',
    script: sql`DELIMITER $$
CREATE PROCEDURE add_user(IN p_name VARCHAR(100))
BEGIN
  DECLARE n INT DEFAULT 0;
  INSERT INTO users(name) VALUES (p_name); -- it's fine
  SELECT COUNT(*) INTO n FROM users;
END$$
delimiter ;
CALL add_user('bob');
`,
    expected: [
      stmt(
        sql`CREATE PROCEDURE add_user(IN p_name VARCHAR(100))
BEGIN
  DECLARE n INT DEFAULT 0;
  INSERT INTO users(name) VALUES (p_name); -- it's fine
  SELECT COUNT(*) INTO n FROM users;
END`,
        2,
      ),
      stmt(`CALL add_user('bob')`, 9),
    ],
  },
  {
    name: 'under DELIMITER //, ; is ordinary text and only // ends statements',
    script: sql`DELIMITER //   -- the body holds ;
CREATE FUNCTION f() RETURNS INT DETERMINISTIC
BEGIN
  RETURN 1;
END //
SELECT f(); SELECT 2 //
SELECT '//' //
DELIMITER ;
SELECT 3;`,
    expected: [
      stmt('CREATE FUNCTION f() RETURNS INT DETERMINISTIC\nBEGIN\n  RETURN 1;\nEND', 2),
      stmt('SELECT f(); SELECT 2', 6),
      stmt(`SELECT '//'`, 7),
      stmt('SELECT 3', 9),
    ],
  },
  {
    name: 'under another delimiter BEGIN and END are not counted: a column named begin',
    script: sql`DELIMITER $$
CREATE PROCEDURE shifts_started()
BEGIN
  SELECT begin, finish FROM shifts;
END$$
DELIMITER ;
SELECT 2;`,
    expected: [
      stmt('CREATE PROCEDURE shifts_started()\nBEGIN\n  SELECT begin, finish FROM shifts;\nEND', 2),
      stmt('SELECT 2', 7),
    ],
  },
  {
    name: 'a delimiter lasts until the next DELIMITER line, across statements and comments',
    script: ['Delimiter $$', 'SELECT 1$$', '-- note; $$', 'SELECT 2;$$', 'DELIMITER ;', 'SELECT 3;'].join('\n'),
    expected: [stmt('SELECT 1', 2), stmt('SELECT 2;', 4), stmt('SELECT 3', 6)],
  },
  {
    name: 'DELIMITER # makes # a delimiter instead of a comment',
    script: ['DELIMITER #', 'SELECT 1 #', "SELECT '#' #", 'DELIMITER ;', '# a comment again;', 'SELECT 2;'].join('\n'),
    expected: [stmt('SELECT 1', 2), stmt(`SELECT '#'`, 3), stmt('SELECT 2', 6)],
  },
  {
    name: 'a quoted DELIMITER argument',
    script: `DELIMITER '$$'\nSELECT 1$$\nDELIMITER ";"\nSELECT 2;`,
    expected: [stmt('SELECT 1', 2), stmt('SELECT 2', 4)],
  },
  {
    name: 'a column named delimiter is not a DELIMITER command',
    script: 'CREATE TABLE csv_format (\n  delimiter CHAR(1)\n);\nSELECT 1;',
    expected: [stmt('CREATE TABLE csv_format (\n  delimiter CHAR(1)\n)', 1), stmt('SELECT 1', 4)],
  },
  {
    name: 'trigger without DELIMITER: IF … ELSEIF … END IF inside BEGIN … END',
    script: sql`CREATE TRIGGER users_bi BEFORE INSERT ON users
FOR EACH ROW
BEGIN
  IF NEW.name IS NULL THEN
    SET NEW.name = 'anon;';
  ELSEIF NEW.name = '' THEN
    SET NEW.name = 'empty';
  END IF;
END;
INSERT INTO users (name) VALUES (NULL);`,
    expected: [
      stmt(
        sql`CREATE TRIGGER users_bi BEFORE INSERT ON users
FOR EACH ROW
BEGIN
  IF NEW.name IS NULL THEN
    SET NEW.name = 'anon;';
  ELSEIF NEW.name = '' THEN
    SET NEW.name = 'empty';
  END IF;
END`,
        1,
      ),
      stmt('INSERT INTO users (name) VALUES (NULL)', 10),
    ],
  },
  {
    name: 'trigger with a single-statement body ends at its ;',
    script: 'CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1;\nSELECT 2;',
    expected: [stmt('CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1', 1), stmt('SELECT 2', 2)],
  },
  {
    name: 'procedure without DELIMITER: labels, handler block, LOOP, WHILE, REPEAT, CASE statement',
    script: sql`CREATE DEFINER=${ADMIN}@${ANY_HOST} PROCEDURE fill(IN n INT)
main: BEGIN
  DECLARE i INT DEFAULT 0;
  DECLARE CONTINUE HANDLER FOR SQLEXCEPTION BEGIN SET i = -1; END;
  IF n < 0 THEN LEAVE main; END IF;
  ins: LOOP
    SET i = i + 1;
    IF i > n THEN LEAVE ins; END IF;
    INSERT INTO t VALUES (i);
  END LOOP ins;
  WHILE i > 0 DO SET i = i - 1; END WHILE;
  REPEAT SET i = i + 1; UNTIL i >= 3 END REPEAT;
  CASE i WHEN 3 THEN SELECT 'three;'; ELSE BEGIN END; END CASE;
  SELECT IF(i > 0, 'pos', 'neg'), REPEAT('x', 2);
END main;
SELECT 1;`,
    expected: [
      stmt(
        sql`CREATE DEFINER=${ADMIN}@${ANY_HOST} PROCEDURE fill(IN n INT)
main: BEGIN
  DECLARE i INT DEFAULT 0;
  DECLARE CONTINUE HANDLER FOR SQLEXCEPTION BEGIN SET i = -1; END;
  IF n < 0 THEN LEAVE main; END IF;
  ins: LOOP
    SET i = i + 1;
    IF i > n THEN LEAVE ins; END IF;
    INSERT INTO t VALUES (i);
  END LOOP ins;
  WHILE i > 0 DO SET i = i - 1; END WHILE;
  REPEAT SET i = i + 1; UNTIL i >= 3 END REPEAT;
  CASE i WHEN 3 THEN SELECT 'three;'; ELSE BEGIN END; END CASE;
  SELECT IF(i > 0, 'pos', 'neg'), REPEAT('x', 2);
END main`,
        1,
      ),
      stmt('SELECT 1', 16),
    ],
  },
  {
    name: 'function with CASE expressions and a CASE statement',
    script: sql`CREATE OR REPLACE FUNCTION grade(score INT) RETURNS CHAR(1) DETERMINISTIC
BEGIN
  DECLARE g CHAR(1);
  SET g = CASE WHEN score >= 90 THEN 'A' WHEN score >= 80 THEN 'B' ELSE 'C' END;
  case g
    WHEN 'A' THEN RETURN 'A';
    ELSE RETURN (CASE g WHEN 'B' THEN 'B' ELSE 'C' END);
  end case;
END;
SELECT grade(95);`,
    expected: [
      stmt(
        sql`CREATE OR REPLACE FUNCTION grade(score INT) RETURNS CHAR(1) DETERMINISTIC
BEGIN
  DECLARE g CHAR(1);
  SET g = CASE WHEN score >= 90 THEN 'A' WHEN score >= 80 THEN 'B' ELSE 'C' END;
  case g
    WHEN 'A' THEN RETURN 'A';
    ELSE RETURN (CASE g WHEN 'B' THEN 'B' ELSE 'C' END);
  end case;
END`,
        1,
      ),
      stmt('SELECT grade(95)', 10),
    ],
  },
  {
    name: 'function whose body is a single RETURN CASE … END',
    script: `CREATE FUNCTION one() RETURNS INT DETERMINISTIC RETURN CASE WHEN 1 THEN 1 END;\nSELECT one();`,
    expected: [stmt('CREATE FUNCTION one() RETURNS INT DETERMINISTIC RETURN CASE WHEN 1 THEN 1 END', 1), stmt('SELECT one()', 2)],
  },
  {
    name: 'event with a BEGIN … END body, ALTER EVENT with one, DROP EVENT',
    script: sql`CREATE EVENT IF NOT EXISTS purge_sessions
ON SCHEDULE EVERY 1 HOUR
DO
BEGIN
  DELETE FROM sessions WHERE expires_at < NOW();
  INSERT INTO audit (what) VALUES ('purged; ok');
END;
ALTER EVENT purge_sessions ON SCHEDULE EVERY 2 HOUR DO BEGIN DELETE FROM sessions; END;
DROP EVENT IF EXISTS old_event;`,
    expected: [
      stmt(
        sql`CREATE EVENT IF NOT EXISTS purge_sessions
ON SCHEDULE EVERY 1 HOUR
DO
BEGIN
  DELETE FROM sessions WHERE expires_at < NOW();
  INSERT INTO audit (what) VALUES ('purged; ok');
END`,
        1,
      ),
      stmt('ALTER EVENT purge_sessions ON SCHEDULE EVERY 2 HOUR DO BEGIN DELETE FROM sessions; END', 8),
      stmt('DROP EVENT IF EXISTS old_event', 9),
    ],
  },
  {
    name: 'MariaDB BEGIN NOT ATOMIC, plain and labelled',
    script: sql`BEGIN NOT ATOMIC
  DECLARE x INT DEFAULT 0;
  WHILE x < 3 DO
    INSERT INTO t VALUES (x);
    SET x = x + 1;
  END WHILE;
END;
outer_block: begin not atomic SELECT 1; SELECT 2; end outer_block;
SELECT 3;`,
    expected: [
      stmt(
        sql`BEGIN NOT ATOMIC
  DECLARE x INT DEFAULT 0;
  WHILE x < 3 DO
    INSERT INTO t VALUES (x);
    SET x = x + 1;
  END WHILE;
END`,
        1,
      ),
      stmt('outer_block: begin not atomic SELECT 1; SELECT 2; end outer_block', 8),
      stmt('SELECT 3', 9),
    ],
  },
  {
    name: 'a quoted label before BEGIN NOT ATOMIC; a colon or a program kind further on starts no block',
    script: `\`outer block\` : BEGIN NOT ATOMIC SELECT 1; SELECT 2; END \`outer block\`;
SELECT a : BEGIN NOT ATOMIC SELECT 3;
INSERT INTO log VALUES ('CREATE PROCEDURE p() BEGIN', 1) : BEGIN NOT ATOMIC SELECT 4;
DO 1; CREATE PROCEDURE p() SELECT 5;`,
    expected: [
      stmt('`outer block` : BEGIN NOT ATOMIC SELECT 1; SELECT 2; END `outer block`', 1),
      stmt('SELECT a : BEGIN NOT ATOMIC SELECT 3', 2),
      stmt(`INSERT INTO log VALUES ('CREATE PROCEDURE p() BEGIN', 1) : BEGIN NOT ATOMIC SELECT 4`, 3),
      stmt('DO 1', 4),
      stmt('CREATE PROCEDURE p() SELECT 5', 4),
    ],
  },
  {
    name: 'MariaDB FOR loops end with END FOR; a CASE before FOR UPDATE closes with END',
    script: sql`CREATE PROCEDURE p()
BEGIN
  FOR i IN 1..3 DO
    INSERT INTO t VALUES (i);
  END FOR;
  SELECT id FROM t ORDER BY CASE WHEN id > 1 THEN 0 ELSE 1 END FOR UPDATE;
END;
SELECT 2;`,
    expected: [
      stmt(
        sql`CREATE PROCEDURE p()
BEGIN
  FOR i IN 1..3 DO
    INSERT INTO t VALUES (i);
  END FOR;
  SELECT id FROM t ORDER BY CASE WHEN id > 1 THEN 0 ELSE 1 END FOR UPDATE;
END`,
        1,
      ),
      stmt('SELECT 2', 8),
    ],
  },
  {
    name: 'in a program, t.begin, t.end and @end are names, and END may be followed by a comment',
    script: sql`CREATE PROCEDURE p()
BEGIN
  SET @end = 1;
  SELECT t.end, t.begin FROM t;
  IF @end THEN SELECT 1; END /* still */ IF;
END;
SELECT 2;`,
    expected: [
      stmt(
        sql`CREATE PROCEDURE p()
BEGIN
  SET @end = 1;
  SELECT t.end, t.begin FROM t;
  IF @end THEN SELECT 1; END /* still */ IF;
END`,
        1,
      ),
      stmt('SELECT 2', 7),
    ],
  },
  {
    name: 'BEGIN, BEGIN WORK and START TRANSACTION are ordinary statements',
    script: 'BEGIN;\nINSERT INTO t VALUES (1);\nCOMMIT;\nSTART TRANSACTION;\nbegin work;\nROLLBACK;\nBEGIN\n;',
    expected: [
      stmt('BEGIN', 1),
      stmt('INSERT INTO t VALUES (1)', 2),
      stmt('COMMIT', 3),
      stmt('START TRANSACTION', 4),
      stmt('begin work', 5),
      stmt('ROLLBACK', 6),
      stmt('BEGIN', 7),
    ],
  },
  {
    name: 'tables named event and procedure, columns named begin and end, a CASE in a view: not programs',
    script: sql`CREATE TABLE event (id INT, begin DATETIME, ${END} DATETIME);
CREATE TABLE procedure_log (begin INT, end INT);
CREATE OR REPLACE VIEW trigger_view AS SELECT CASE WHEN 1 THEN 'a;' END AS x;
SELECT begin, end FROM procedure_log;`,
    expected: [
      stmt('CREATE TABLE event (id INT, begin DATETIME, `end` DATETIME)', 1),
      stmt('CREATE TABLE procedure_log (begin INT, end INT)', 2),
      stmt(`CREATE OR REPLACE VIEW trigger_view AS SELECT CASE WHEN 1 THEN 'a;' END AS x`, 3),
      stmt('SELECT begin, end FROM procedure_log', 4),
    ],
  },
  {
    name: 'strings with backslash escapes, doubled quotes and ;',
    script: sql`INSERT INTO t VALUES ('it\'s; here', "a\"b;", 'a''b;', "c""d;", 'C:\\', '', "", '\\\'; x');
SELECT 2;`,
    expected: [
      stmt(sql`INSERT INTO t VALUES ('it\'s; here', "a\"b;", 'a''b;', "c""d;", 'C:\\', '', "", '\\\'; x')`, 1),
      stmt('SELECT 2', 2),
    ],
  },
  {
    name: 'backtick names holding ;, quotes and doubled backticks; backslash is ordinary in them',
    script: 'CREATE TABLE `we;ird ``name``` (`a\'b;` INT, `c"d\\` INT);\nSELECT 1;',
    expected: [stmt('CREATE TABLE `we;ird ``name``` (`a\'b;` INT, `c"d\\` INT)', 1), stmt('SELECT 1', 2)],
  },
  {
    name: '# comments, anywhere on a line',
    script: 'SELECT 1; # trailing; comment\n# full line; comment\nSELECT 2 # before the delimiter\n;\nSELECT 3#no space needed;\n;',
    expected: [stmt('SELECT 1', 1), stmt('SELECT 2', 3), stmt('SELECT 3', 5)],
  },
  {
    name: '-- needs a following space or control character: SELECT 1--1 subtracts',
    script: 'SELECT 1--1;\nSELECT 2 -- real comment; here\n;\nSELECT 3 --\n;\nSELECT 4 --\ttab; comment\n;\nSELECT 5 --',
    expected: [stmt('SELECT 1--1', 1), stmt('SELECT 2', 2), stmt('SELECT 3', 4), stmt('SELECT 4', 6), stmt('SELECT 5', 8)],
  },
  {
    name: 'block comments do not nest',
    script: '/* outer /* inner; */ SELECT 1;\nSELECT /* a; */ 2;',
    expected: [stmt('SELECT 1', 1), stmt('SELECT /* a; */ 2', 2)],
  },
  {
    name: 'optimizer hints, MariaDB /*M! */ and versionless /*! */ are kept; plain comments around a statement are not',
    script:
      'SELECT /*+ MAX_EXECUTION_TIME(1000) */ * FROM t /*+ even here */;\n/*M!100100 SET SESSION x=1 */;\n/*!SET @a=1*/;\n/* plain; comment */ SELECT 4 /* plain */;',
    expected: [
      stmt('SELECT /*+ MAX_EXECUTION_TIME(1000) */ * FROM t /*+ even here */', 1),
      stmt('/*M!100100 SET SESSION x=1 */', 2),
      stmt('/*!SET @a=1*/', 3),
      stmt('SELECT 4', 4),
    ],
  },
  {
    name: 'CRLF line endings, with a DELIMITER block',
    script:
      'SELECT 1;\r\n\r\n# note\r\nSELECT\r\n  2;\r\nDELIMITER $$\r\nCREATE PROCEDURE p()\r\nBEGIN\r\n  SELECT 1;\r\nEND $$\r\nDELIMITER ;\r\nSELECT 3;',
    expected: [
      stmt('SELECT 1', 1),
      stmt('SELECT\r\n  2', 4),
      stmt('CREATE PROCEDURE p()\r\nBEGIN\r\n  SELECT 1;\r\nEND', 7),
      stmt('SELECT 3', 12),
    ],
  },
  {
    name: 'lone CR line endings',
    script: 'SELECT 1;\rSELECT 2;\r\rSELECT 3;\r\n\nSELECT 4;',
    expected: [stmt('SELECT 1', 1), stmt('SELECT 2', 2), stmt('SELECT 3', 4), stmt('SELECT 4', 6)],
  },
  {
    name: 'line is where the SQL starts, after leading comments; comments inside stay',
    script: '-- a\n/* b\n c */\n\n  SELECT /* x */ 1 # trailing\n;\n',
    expected: [stmt('SELECT /* x */ 1', 5)],
  },
  {
    name: 'a final statement without delimiter, under ; and under $$',
    script: 'SELECT 1;\nSELECT 2 -- last\n',
    expected: [stmt('SELECT 1', 1), stmt('SELECT 2', 2)],
  },
  {
    name: 'a final statement without delimiter under DELIMITER $$',
    script: 'DELIMITER $$\nSELECT 1$$\nSELECT 2; SELECT 3',
    expected: [stmt('SELECT 1', 2), stmt('SELECT 2; SELECT 3', 3)],
  },
  {
    name: 'a byte order mark is not part of the first statement',
    script: '\uFEFFSELECT 1;',
    expected: [stmt('SELECT 1', 1)],
  },
  {
    name: 'empty statements are dropped',
    script: ';;\n ; # nothing\nSELECT 1;;',
    expected: [stmt('SELECT 1', 3)],
  },
  {
    name: 'comment-only script',
    script: '-- only a comment; really\n# another;\n/* and a block; */\n   \n',
    expected: [],
  },
  {
    name: 'empty script',
    script: '',
    expected: [],
  },
  {
    name: 'a script of DELIMITER lines only',
    script: 'DELIMITER $$\nDELIMITER ;\n',
    expected: [],
  },
];

describe('splitMysqlScript: statements', () => {
  it.each(splitCases)('$name', ({ script, expected }) => {
    expect(splitMysqlScript(script, FILE)).toStrictEqual(expected);
  });
});

describe('splitMysqlScript: stored program headers', () => {
  const body = 'BEGIN SELECT 1; SELECT 2; END';
  const headers = [
    'CREATE PROCEDURE p()',
    'create procedure p()',
    'CREATE OR REPLACE PROCEDURE p()',
    'CREATE PROCEDURE IF NOT EXISTS p()',
    "CREATE DEFINER = 'root'@'localhost' PROCEDURE p()",
    'CREATE DEFINER=`root`@`%` FUNCTION f() RETURNS INT',
    'CREATE DEFINER=root@localhost FUNCTION f() RETURNS INT',
    'CREATE DEFINER=root@127.0.0.1 TRIGGER t BEFORE INSERT ON x FOR EACH ROW',
    'CREATE DEFINER = CURRENT_USER() FUNCTION f() RETURNS INT',
    'CREATE OR REPLACE DEFINER=CURRENT_USER AGGREGATE FUNCTION f(x INT) RETURNS INT',
    'CREATE /* why */ TRIGGER t\n  -- when\n  AFTER UPDATE ON x FOR EACH ROW',
    'CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO',
    'ALTER DEFINER=`root`@`localhost` EVENT e DO',
  ];

  it.each(headers)('%s … END stays whole', (header) => {
    expect(splitMysqlScript(`${header} ${body};\nSELECT 3;`, FILE)).toStrictEqual([
      stmt(`${header} ${body}`, 1),
      stmt('SELECT 3', header.split('\n').length + 1),
    ]);
  });
});

describe('splitMysqlScript: scripts it refuses', () => {
  const cases: Array<{ name: string; script: string; message: string; line: number }> = [
    {
      name: 'single-quoted string',
      script: `SELECT 1;\nSELECT 'abc;\nSELECT 2;\n`,
      message: 'Unterminated string literal in V4__x.sql starting at line 2',
      line: 2,
    },
    {
      name: 'string whose only closing quote is backslash-escaped',
      script: sql`SELECT 1;

SELECT 'it\';`,
      message: 'Unterminated string literal in V4__x.sql starting at line 3',
      line: 3,
    },
    {
      name: 'double-quoted string',
      script: sql`SELECT "a\";` + '\nSELECT 2;',
      message: 'Unterminated string literal in V4__x.sql starting at line 1',
      line: 1,
    },
    {
      name: 'string with a doubled quote on a later line: the opening line counts',
      script: "SELECT 1;\nSELECT 'first line\nit''s never closed;\n",
      message: 'Unterminated string literal in V4__x.sql starting at line 2',
      line: 2,
    },
    {
      name: 'backtick name with a doubled backtick on a later line: the opening line counts',
      script: 'SELECT `a\n``b;\nSELECT 2;',
      message: 'Unterminated quoted identifier `…` in V4__x.sql starting at line 1',
      line: 1,
    },
    {
      name: 'backtick name',
      script: 'SELECT 1;\n\n\nCREATE TABLE `we;ird (id INT);\nSELECT 2;',
      message: 'Unterminated quoted identifier `…` in V4__x.sql starting at line 4',
      line: 4,
    },
    {
      name: 'block comment',
      script: 'SELECT 1;\n/* never closed;\nSELECT 2;',
      message: 'Unterminated block comment /* … */ in V4__x.sql starting at line 2',
      line: 2,
    },
    {
      name: 'executable comment',
      script: 'SELECT 1;\n\n/*!40101 SET NAMES utf8 ;\n',
      message: 'Unterminated executable comment /*! … */ in V4__x.sql starting at line 3',
      line: 3,
    },
    {
      name: 'procedure without its END',
      script: 'SELECT 1;\nCREATE PROCEDURE p()\nBEGIN\n  IF 1 THEN SELECT 1; END IF;\n',
      message: 'Unterminated BEGIN … END block in V4__x.sql starting at line 3',
      line: 3,
    },
    {
      name: 'procedure whose END closes an inner block only',
      script: 'CREATE PROCEDURE p()\nouter_block: BEGIN\n  inner_block: BEGIN\n    SELECT 1;\n  END inner_block;\nSELECT 2;',
      message: 'Unterminated BEGIN … END block in V4__x.sql starting at line 2',
      line: 2,
    },
    {
      name: 'function whose CASE has no END',
      script: 'SELECT 1;\nCREATE FUNCTION f() RETURNS INT RETURN CASE WHEN 1 THEN 1;\nSELECT 2;',
      message: 'Unterminated CASE … END block in V4__x.sql starting at line 2',
      line: 2,
    },
    {
      name: 'BEGIN NOT ATOMIC without END',
      script: 'SELECT 1;\n\nBEGIN NOT ATOMIC\n  SELECT 1;\n',
      message: 'Unterminated BEGIN … END block in V4__x.sql starting at line 3',
      line: 3,
    },
    {
      name: 'opening line counted through CRLF line endings',
      script: 'SELECT 1;\r\n\r\nSELECT "x;\r\n',
      message: 'Unterminated string literal in V4__x.sql starting at line 3',
      line: 3,
    },
    {
      name: 'DELIMITER without a delimiter',
      script: 'SELECT 1;\nDELIMITER   \nSELECT 2;',
      message: 'DELIMITER in V4__x.sql at line 2 is not followed by a delimiter on the same line',
      line: 2,
    },
    {
      name: 'DELIMITER with a backslash',
      script: sql`DELIMITER \\`,
      message: sql`The delimiter \\ after DELIMITER in V4__x.sql at line 1 contains a backslash, which MySQL does not allow`,
      line: 1,
    },
    {
      name: 'DELIMITER followed by a statement on the same line',
      script: 'SELECT 1;\n\nDELIMITER $$ CREATE PROCEDURE p() BEGIN SELECT 1; END $$',
      message: 'Unexpected text after DELIMITER $$ in V4__x.sql at line 3: the new delimiter stands alone on its line',
      line: 3,
    },
    {
      name: 'DELIMITER with an unclosed quote',
      script: "DELIMITER '$$\nSELECT 1'",
      message: 'Unterminated quoted delimiter after DELIMITER in V4__x.sql at line 1',
      line: 1,
    },
  ];

  it.each(cases)('$name', ({ script, message, line }) => {
    const error = splitError(script);
    expect(error.code).toBe('SQL_PARSE_ERROR');
    expect(error.message).toBe(message);
    expect(error.location).toBe(`V4__x.sql:${line}`);
    expect(error.hint).toMatch(/\S/);
  });
});
