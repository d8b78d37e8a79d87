// Every lint rule, in the order their findings are listed.
import type { Rule } from '../rule.js'
import { cdPersists } from './cd-persists.js'
import { inferredExpect } from './inferred-expect.js'
import { interactive } from './interactive.js'
import { network } from './network.js'
import { placeholder } from './placeholder.js'
import { runme } from './runme.js'
import { shellSyntax } from './shell-syntax.js'
import { sudo } from './sudo.js'
import { undefinedVariable } from './undefined-variable.js'
import { whenParam } from './when-param.js'

export const RULES: Rule[] = [placeholder, interactive, network, sudo, cdPersists, undefinedVariable, shellSyntax, runme, inferredExpect, whenParam]
