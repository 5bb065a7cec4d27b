import { z } from 'zod';

/** zod schemas of the Gemini request bodies the sandbox accepts (generateContent, streamGenerateContent, countTokens). */

export const partSchema = z
  .object({
    text: z.string().optional(),
    thought: z.boolean().optional(),
    inlineData: z.object({ mimeType: z.string(), data: z.string() }).optional(),
    fileData: z.object({ mimeType: z.string().optional(), fileUri: z.string() }).optional(),
    functionCall: z.object({ name: z.string() }).loose().optional(),
    functionResponse: z.object({ name: z.string() }).loose().optional(),
  })
  .loose();

export const contentSchema = z.object({
  role: z.enum(['user', 'model', 'function', 'tool', 'system']).optional(),
  parts: z.array(partSchema).min(1, 'contents.parts must not be empty'),
});
export type Content = z.infer<typeof contentSchema>;

export const generationConfigSchema = z
  .object({
    temperature: z.number().min(0).max(2).optional(),
    topP: z.number().min(0).max(1).optional(),
    topK: z.number().int().min(1).optional(),
    candidateCount: z.number().int().min(1).max(8).optional(),
    maxOutputTokens: z.number().int().min(1).optional(),
    stopSequences: z.array(z.string()).max(5).optional(),
    responseMimeType: z.enum(['text/plain', 'application/json', 'text/x.enum']).optional(),
    responseSchema: z.unknown().optional(),
    responseJsonSchema: z.unknown().optional(),
    seed: z.number().int().optional(),
    presencePenalty: z.number().optional(),
    frequencyPenalty: z.number().optional(),
    thinkingConfig: z.object({ thinkingBudget: z.number().int().optional(), includeThoughts: z.boolean().optional() }).loose().optional(),
  })
  .loose();

/** Top-level fields a GenerateContentRequest may carry; anything else is "Unknown name" like the real API. */
export const KNOWN_TOP_LEVEL = new Set(['model', 'contents', 'systemInstruction', 'system_instruction', 'generationConfig', 'generation_config', 'safetySettings', 'safety_settings', 'tools', 'toolConfig', 'tool_config', 'cachedContent', 'cached_content', 'labels']);

export const generateRequestSchema = z
  .object({
    contents: z.array(contentSchema).min(1, 'contents is not specified'),
    systemInstruction: contentSchema.extend({ role: z.string().optional() }).optional(),
    generationConfig: generationConfigSchema.optional(),
    safetySettings: z.array(z.object({ category: z.string(), threshold: z.string() })).optional(),
    tools: z.array(z.unknown()).optional(),
    toolConfig: z.unknown().optional(),
    cachedContent: z.string().optional(),
  })
  .loose();
export type GenerateRequest = z.infer<typeof generateRequestSchema>;

export const countTokensRequestSchema = z
  .object({
    contents: z.array(contentSchema).optional(),
    generateContentRequest: generateRequestSchema.extend({ model: z.string().optional() }).optional(),
  })
  .loose();
