import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyCommand } from './classify-command';

describe('classifyCommand', () => {
  it.each([
    ['rm -rf build', 'rm'],
    ['sudo rm -r /var/lib/data', 'rm'],
    ['cd repo && git push --force origin main', 'git push --force'],
    ['git push -f', 'git push --force'],
    ['git push origin +main', 'git push --force'],
    ['git push --force-with-lease origin main', 'git push --force'],
    ['git push origin --delete feature', 'git push --delete'],
    ['git push origin :feature', 'git push --delete'],
    ['git reset --hard HEAD~3', 'git history rewrite'],
    ['git branch -D old', 'git history rewrite'],
    ['gh repo delete acme/api --yes', 'gh delete'],
    ['gh secret delete AWS_KEY', 'gh delete'],
    ['terraform destroy -auto-approve', 'terraform destroy'],
    ['terraform apply -destroy', 'terraform destroy'],
    ['curl -X DELETE https://api.github.com/repos/acme/api', 'HTTP DELETE'],
    ['curl --request=DELETE https://x', 'HTTP DELETE'],
    ['gh api --method DELETE /repos/acme/api', 'HTTP DELETE'],
    ['psql -c "DROP TABLE users"', 'SQL drop'],
    ['mysql -e "truncate table orders"', 'SQL drop'],
    ['kubectl delete ns prod', 'kubectl delete'],
    ['aws s3 rm s3://b/k --recursive', 'aws delete'],
    ['aws rds delete-db-instance --db-instance-identifier x', 'aws delete'],
    ['aws ec2 terminate-instances --instance-ids i-1', 'aws delete'],
    ['find . -name "*.log" -delete', 'disk wipe'],
    ['bash -c "rm -rf /"', 'rm'],
    ["sh -lc 'git push -f origin main'", 'git push --force'],
    ['echo $(rm -rf x)', 'rm'],
  ])('flags %s as destructive (%s)', (cmd, rule) => {
    const c = classifyCommand(cmd);
    expect(c.destructive).toBe(true);
    expect(c.rule).toBe(rule);
  });

  it.each([
    ['ls -la', 'read'],
    ['git status && git diff', 'read'],
    ['git push origin main', 'modify'],
    ['npm test', 'execute'],
    ['cat README.md | grep rm', 'read'],
    ['curl https://example.com', 'execute'],
    ['echo "DELETE FROM users WHERE id = 1"', 'read'],
  ])('does not flag %s (%s)', (cmd, cls) => {
    const c = classifyCommand(cmd);
    expect(c.destructive).toBe(false);
    expect(c.class).toBe(cls);
  });

  it('names the repository gh repo delete acts on', () => {
    expect(classifyCommand('gh repo delete acme/api --yes').target).toEqual({
      kind: 'repository',
      key: 'acme/api',
    });
  });

  it('never throws (fuzz)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        const c = classifyCommand(s);
        expect(typeof c.destructive).toBe('boolean');
      }),
      { numRuns: 1000 },
    );
  });
});
