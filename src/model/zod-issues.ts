/** Formats zod issues as one line with a JSON path (`steps[2].repeat.times`). */
import type { z } from 'zod';

export function formatJsonPath(path: readonly PropertyKey[], root = ''): string {
  let out = root;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out === '' ? '(top level)' : out;
}

/** The deepest, most specific issue first: union failures are unpacked to the branch that got furthest. */
export function primaryIssue(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue | undefined {
  let best: z.core.$ZodIssue | undefined;
  for (const issue of issues) {
    const candidate = unpack(issue);
    if (!best || candidate.path.length > best.path.length) best = candidate;
  }
  return best;
}

function unpack(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0 || issue.message !== 'Invalid input') return issue;
  let best: z.core.$ZodIssue | undefined;
  for (const branch of issue.errors) {
    const inner = primaryIssue(branch);
    if (inner && (!best || inner.path.length > best.path.length)) best = inner;
  }
  if (!best) return issue;
  return { ...best, path: [...issue.path, ...best.path] };
}

export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const issue = primaryIssue(issues);
  if (!issue) return 'invalid';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  return `${formatJsonPath(issue.path)}: ${issue.message}${more}`;
}
