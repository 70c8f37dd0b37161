export function hello(): i32 { return 42; }
