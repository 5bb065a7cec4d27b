/** The model catalogue of the Gemini sandbox (GET /v1beta/models). Limits as Google publishes them. */
export interface GeminiModel {
  name: string;
  version: string;
  displayName: string;
  description: string;
  inputTokenLimit: number;
  outputTokenLimit: number;
  supportedGenerationMethods: string[];
  temperature?: number;
  maxTemperature?: number;
  topP?: number;
  topK?: number;
  thinking?: boolean;
}

const GENERATE = ['generateContent', 'countTokens', 'createCachedContent', 'batchGenerateContent'];

export const MODELS: GeminiModel[] = [
  { name: 'models/gemini-2.5-flash', version: '001', displayName: 'Gemini 2.5 Flash', description: 'Stable version of Gemini 2.5 Flash (sandbox).', inputTokenLimit: 1_048_576, outputTokenLimit: 65_536, supportedGenerationMethods: GENERATE, temperature: 1, maxTemperature: 2, topP: 0.95, topK: 64, thinking: true },
  { name: 'models/gemini-2.5-pro', version: '2.5', displayName: 'Gemini 2.5 Pro', description: 'Stable release of Gemini 2.5 Pro (sandbox).', inputTokenLimit: 1_048_576, outputTokenLimit: 65_536, supportedGenerationMethods: GENERATE, temperature: 1, maxTemperature: 2, topP: 0.95, topK: 64, thinking: true },
  { name: 'models/gemini-2.5-flash-lite', version: '001', displayName: 'Gemini 2.5 Flash-Lite', description: 'Stable version of Gemini 2.5 Flash-Lite (sandbox).', inputTokenLimit: 1_048_576, outputTokenLimit: 65_536, supportedGenerationMethods: GENERATE, temperature: 1, maxTemperature: 2, topP: 0.95, topK: 64, thinking: true },
  { name: 'models/gemini-2.0-flash', version: '2.0', displayName: 'Gemini 2.0 Flash', description: 'Gemini 2.0 Flash (sandbox).', inputTokenLimit: 1_048_576, outputTokenLimit: 8_192, supportedGenerationMethods: GENERATE, temperature: 1, maxTemperature: 2, topP: 0.95, topK: 40 },
  { name: 'models/text-embedding-004', version: '004', displayName: 'Text Embedding 004', description: 'Obtain a distributed representation of a text (sandbox: not served).', inputTokenLimit: 2_048, outputTokenLimit: 1, supportedGenerationMethods: ['embedContent'] },
  { name: 'models/sandbox-tiny', version: '001', displayName: 'Sandbox Tiny', description: 'Sandbox-only model with small limits, for exercising token-limit errors cheaply.', inputTokenLimit: 2_048, outputTokenLimit: 256, supportedGenerationMethods: ['generateContent', 'countTokens'], temperature: 1, maxTemperature: 2, topP: 0.95, topK: 40 },
];

export const findModel = (id: string) => {
  const name = id.startsWith('models/') ? id : `models/${id}`;
  return MODELS.find((m) => m.name === name);
};
