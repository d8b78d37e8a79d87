// mountinfo parsing from fixture text: fields, escapes, optional propagation fields.
import { describe, expect, it } from 'vitest'
import { isWithin, parseMountinfo, unescapeMountPath } from '../../src/resources/mountinfo.js'

const FIXTURE = [
  '22 27 0:21 / /proc rw,relatime - proc proc rw',
  '27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw,discard',
  '40 27 0:33 / /ws/my\\040dir rw,relatime shared:5 master:2 - tmpfs docrun\\134test rw',
  '41 40 7:3 / /ws/my\\040dir/img rw - ext4 /dev/loop3 rw',
  'garbage line without separator',
  '',
].join('\n')

describe('mountinfo', () => {
  it('reads id, parent, mount point, type, source and propagation', () => {
    const m = parseMountinfo(FIXTURE)
    expect(m.map((x) => x.id)).toEqual([22, 27, 40, 41])
    expect(m[1]).toEqual({ id: 27, parent: 1, mountPoint: '/', fsType: 'ext4', source: '/dev/vda', propagation: ['shared:1'] })
    expect(m[0]!.propagation).toEqual([])
  })

  it('unescapes space and backslash in paths and sources', () => {
    const m = parseMountinfo(FIXTURE)
    expect(m[2]).toMatchObject({ mountPoint: '/ws/my dir', source: 'docrun\\test', propagation: ['shared:5', 'master:2'], parent: 27 })
    expect(m[3]).toMatchObject({ mountPoint: '/ws/my dir/img', source: '/dev/loop3', parent: 40 })
    expect(unescapeMountPath('a\\011b\\012c')).toBe('a\tb\nc')
  })

  it('isWithin compares whole path components', () => {
    expect(isWithin('/ws/a', '/ws')).toBe(true)
    expect(isWithin('/ws', '/ws')).toBe(true)
    expect(isWithin('/wsx/a', '/ws')).toBe(false)
    expect(isWithin('/anything', '/')).toBe(true)
    expect(isWithin('/ws/a', '/ws/')).toBe(true)
  })
})
